// Federation relationships (bundle endpoint per foreign trust domain) and the CA journal.
import { DatastoreError, invalidArgument, notFound } from '../errors.js';
import type {
  FederationRelationship, FederationRelationshipField, ListFederationRelationshipsResult, Page,
} from '../types.js';
import { isUniqueViolation, single, write, type SqlContext } from './context.js';
import { pageOf, pageWindow } from './pagination.js';
import { trustDomainName } from './trust-domain.js';
import { updateMask } from './update-mask.js';

const FIELDS: readonly FederationRelationshipField[] = ['bundleEndpointUrl', 'profile', 'endpointSpiffeId'];

interface RelationshipRow {
  trust_domain: string;
  bundle_endpoint_url: string;
  bundle_endpoint_profile: string;
  endpoint_spiffe_id: string;
}

function fromRow(row: RelationshipRow): FederationRelationship {
  return {
    trustDomain: row.trust_domain,
    bundleEndpointUrl: row.bundle_endpoint_url,
    profile: row.bundle_endpoint_profile === 'https_spiffe' ? 'https_spiffe' : 'https_web',
    endpointSpiffeId: row.endpoint_spiffe_id,
  };
}

function checkRelationship(r: FederationRelationship): FederationRelationship {
  if (typeof r !== 'object' || r === null) throw invalidArgument('missing federation relationship');
  const trustDomain = trustDomainName(r.trustDomain);
  if (typeof r.bundleEndpointUrl !== 'string' || r.bundleEndpointUrl === '') throw invalidArgument('missing bundle endpoint URL');
  if (r.profile !== 'https_web' && r.profile !== 'https_spiffe') {
    throw invalidArgument(`unknown bundle endpoint profile ${JSON.stringify(r.profile)}`);
  }
  const endpointSpiffeId = r.profile === 'https_spiffe' ? r.endpointSpiffeId : '';
  if (r.profile === 'https_spiffe' && (typeof endpointSpiffeId !== 'string' || endpointSpiffeId === '')) {
    throw invalidArgument('https_spiffe profile requires endpointSpiffeId');
  }
  return { trustDomain, bundleEndpointUrl: r.bundleEndpointUrl, profile: r.profile, endpointSpiffeId };
}

export async function createFederationRelationship(ctx: SqlContext, input: FederationRelationship): Promise<FederationRelationship> {
  const r = checkRelationship(input);
  const now = ctx.now();
  await write(ctx, async (trx) => {
    try {
      await trx.insertInto('federated_trust_domains').values({
        trust_domain: r.trustDomain, bundle_endpoint_url: r.bundleEndpointUrl, bundle_endpoint_profile: r.profile,
        endpoint_spiffe_id: r.endpointSpiffeId, created_at: now, updated_at: now,
      }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', 'federation relationship already exists');
      throw err;
    }
  });
  return r;
}

export async function fetchFederationRelationship(ctx: SqlContext, trustDomain: string): Promise<FederationRelationship | null> {
  const name = trustDomainName(trustDomain);
  const row = await single(ctx, (db) =>
    db.selectFrom('federated_trust_domains').selectAll().where('trust_domain', '=', name).executeTakeFirst());
  return row === undefined ? null : fromRow(row);
}

export async function listFederationRelationships(ctx: SqlContext, page: Page | undefined): Promise<ListFederationRelationshipsResult> {
  const window = pageWindow(page);
  const rows = await single(ctx, (db) => {
    let q = db.selectFrom('federated_trust_domains').selectAll().where('id', '>', window.afterId).orderBy('id');
    if (window.limit !== undefined) q = q.limit(window.limit);
    return q.execute();
  });
  const result = pageOf(rows.map((r) => ({ ...r, id: Number(r.id) })), window);
  return { relationships: result.rows.map(fromRow), nextPageToken: result.nextPageToken };
}

export async function updateFederationRelationship(
  ctx: SqlContext,
  input: FederationRelationship,
  mask: Iterable<FederationRelationshipField> | undefined,
): Promise<FederationRelationship> {
  const fields = updateMask(mask, FIELDS, 'federation relationship');
  const name = trustDomainName(input?.trustDomain);
  return write(ctx, async (trx) => {
    let q = trx.selectFrom('federated_trust_domains').selectAll().where('trust_domain', '=', name);
    if (ctx.backend === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (row === undefined) throw notFound('federation relationship');
    const merged = fromRow(row);
    if (fields.has('bundleEndpointUrl')) merged.bundleEndpointUrl = input.bundleEndpointUrl;
    if (fields.has('profile')) merged.profile = input.profile;
    if (fields.has('endpointSpiffeId')) merged.endpointSpiffeId = input.endpointSpiffeId;
    const r = checkRelationship(merged);
    await trx.updateTable('federated_trust_domains').set({
      bundle_endpoint_url: r.bundleEndpointUrl, bundle_endpoint_profile: r.profile,
      endpoint_spiffe_id: r.endpointSpiffeId, updated_at: ctx.now(),
    }).where('id', '=', row.id).execute();
    return r;
  });
}

export async function deleteFederationRelationship(ctx: SqlContext, trustDomain: string): Promise<void> {
  const name = trustDomainName(trustDomain);
  const result = await single(ctx, (db) =>
    db.deleteFrom('federated_trust_domains').where('trust_domain', '=', name).executeTakeFirst());
  if (Number(result.numDeletedRows) === 0) throw notFound('federation relationship');
}

export const DEFAULT_CA_JOURNAL_KEY = 'default';

function checkJournalKey(key: string): string {
  if (typeof key !== 'string' || key === '' || key.length > 255) throw invalidArgument('CA journal key must be 1-255 characters');
  return key;
}

export async function fetchCaJournal(ctx: SqlContext, key: string): Promise<Uint8Array | null> {
  const k = checkJournalKey(key);
  const row = await single(ctx, (db) => db.selectFrom('ca_journals').select('data').where('journal_key', '=', k).executeTakeFirst());
  return row === undefined ? null : new Uint8Array(row.data);
}

export async function setCaJournal(ctx: SqlContext, data: Uint8Array, key: string): Promise<void> {
  const k = checkJournalKey(key);
  if (!(data instanceof Uint8Array)) throw invalidArgument('CA journal data must be bytes');
  const now = ctx.now();
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await write(ctx, (trx) => trx.insertInto('ca_journals')
    .values({ journal_key: k, data: bytes, updated_at: now })
    .onConflict((oc) => oc.column('journal_key').doUpdateSet({ data: bytes, updated_at: now }))
    .execute());
}

/** Every journal key, sorted (the CA manager finds orphaned journals among them). */
export async function listCaJournalKeys(ctx: SqlContext): Promise<string[]> {
  const rows = await single(ctx, (db) => db.selectFrom('ca_journals').select('journal_key').orderBy('journal_key').execute());
  return rows.map((row) => row.journal_key);
}

export async function deleteCaJournal(ctx: SqlContext, key: string): Promise<void> {
  const k = checkJournalKey(key);
  await write(ctx, (trx) => trx.deleteFrom('ca_journals').where('journal_key', '=', k).execute());
}
