// Bundles, keyed by trust domain ID. Read-modify-write operations lock the row on PostgreSQL
// (SELECT ... FOR UPDATE) so servers sharing a database do not lose each other's authorities.
import { X509Certificate } from 'node:crypto';
import { DatastoreError, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import type { Bundle, BundleDeleteMode, BundleField, ListBundlesResult, Page } from '../types.js';
import { chunks, isUniqueViolation, single, write, type Db, type SqlContext } from './context.js';
import { checkBundle, decodeBundle, encodeBundle, mergeAuthorities } from './bundle-codec.js';
import { deleteEntryRows } from './entry-store.js';
import { appendEntryEvents } from './event-store.js';
import { pageOf, pageWindow } from './pagination.js';
import { trustDomainId } from './trust-domain.js';
import { updateMask } from './update-mask.js';

const BUNDLE_FIELDS: readonly BundleField[] = ['x509Authorities', 'jwtAuthorities', 'refreshHint', 'sequenceNumber'];
const DELETE_MODES: readonly BundleDeleteMode[] = ['restrict', 'delete', 'dissociate'];

async function lockedBundle(trx: Db, ctx: SqlContext, id: string): Promise<{ rowId: number; bundle: Bundle } | undefined> {
  let q = trx.selectFrom('bundles').select(['id', 'data']).where('trust_domain', '=', id);
  if (ctx.backend === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row === undefined ? undefined : { rowId: Number(row.id), bundle: decodeBundle(id, row.data) };
}

async function storeBundle(trx: Db, ctx: SqlContext, rowId: number, bundle: Bundle): Promise<void> {
  await trx.updateTable('bundles').set({ data: encodeBundle(bundle), updated_at: ctx.now() }).where('id', '=', rowId).execute();
}

async function insertBundle(trx: Db, ctx: SqlContext, bundle: Bundle): Promise<void> {
  const now = ctx.now();
  try {
    await trx.insertInto('bundles')
      .values({ trust_domain: bundle.trustDomain, data: encodeBundle(bundle), created_at: now, updated_at: now }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', 'bundle already exists');
    throw err;
  }
}

export async function createBundle(ctx: SqlContext, input: Bundle): Promise<Bundle> {
  const bundle = checkBundle(input);
  await write(ctx, (trx) => insertBundle(trx, ctx, bundle));
  return bundle;
}

export async function fetchBundle(ctx: SqlContext, trustDomain: string): Promise<Bundle | null> {
  const id = trustDomainId(trustDomain);
  const row = await single(ctx, (db) => db.selectFrom('bundles').select('data').where('trust_domain', '=', id).executeTakeFirst());
  return row === undefined ? null : decodeBundle(id, row.data);
}

export async function listBundles(ctx: SqlContext, page: Page | undefined): Promise<ListBundlesResult> {
  const window = pageWindow(page);
  const rows = await single(ctx, (db) => {
    let q = db.selectFrom('bundles').select(['id', 'trust_domain', 'data']).where('id', '>', window.afterId).orderBy('id');
    if (window.limit !== undefined) q = q.limit(window.limit);
    return q.execute();
  });
  const result = pageOf(rows.map((r) => ({ ...r, id: Number(r.id) })), window);
  return { bundles: result.rows.map((r) => decodeBundle(r.trust_domain, r.data)), nextPageToken: result.nextPageToken };
}

export async function countBundles(ctx: SqlContext): Promise<number> {
  const row = await single(ctx, (db) =>
    db.selectFrom('bundles').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow());
  return Number(row.count);
}

export async function updateBundle(ctx: SqlContext, input: Bundle, mask: Iterable<BundleField> | undefined): Promise<Bundle> {
  const bundle = checkBundle(input);
  const fields = updateMask(mask, BUNDLE_FIELDS, 'bundle');
  return write(ctx, async (trx) => {
    const current = await lockedBundle(trx, ctx, bundle.trustDomain);
    if (current === undefined) throw notFound('bundle');
    const updated: Bundle = { ...current.bundle };
    if (fields.has('x509Authorities')) updated.x509Authorities = bundle.x509Authorities;
    if (fields.has('jwtAuthorities')) updated.jwtAuthorities = bundle.jwtAuthorities;
    if (fields.has('refreshHint')) updated.refreshHint = bundle.refreshHint;
    if (fields.has('sequenceNumber')) updated.sequenceNumber = bundle.sequenceNumber;
    await storeBundle(trx, ctx, current.rowId, updated);
    return updated;
  });
}

export async function setBundle(ctx: SqlContext, input: Bundle): Promise<Bundle> {
  const bundle = checkBundle(input);
  const now = ctx.now();
  const data = encodeBundle(bundle);
  await write(ctx, (trx) => trx.insertInto('bundles')
    .values({ trust_domain: bundle.trustDomain, data, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('trust_domain').doUpdateSet({ data, updated_at: now }))
    .execute());
  return bundle;
}

export async function appendBundle(ctx: SqlContext, input: Bundle): Promise<Bundle> {
  const extra = checkBundle(input);
  return write(ctx, async (trx) => {
    // Insert-if-absent first: two servers appending to a missing bundle must not both insert.
    const now = ctx.now();
    const inserted = await trx.insertInto('bundles')
      .values({ trust_domain: extra.trustDomain, data: encodeBundle(extra), created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('trust_domain').doNothing())
      .returning('id').executeTakeFirst();
    if (inserted !== undefined) return extra;
    const current = await lockedBundle(trx, ctx, extra.trustDomain);
    if (current === undefined) throw notFound('bundle');
    const merged = mergeAuthorities(current.bundle, extra);
    if (!merged.changed) return current.bundle;
    merged.bundle.sequenceNumber = current.bundle.sequenceNumber + 1n;
    await storeBundle(trx, ctx, current.rowId, merged.bundle);
    return merged.bundle;
  });
}

/**
 * restrict: refuse while entries federate with the trust domain; delete: delete those entries
 * too; dissociate: remove the trust domain from them (bumping their revision).
 */
export async function deleteBundle(ctx: SqlContext, trustDomain: string, mode: BundleDeleteMode): Promise<void> {
  const id = trustDomainId(trustDomain);
  if (!DELETE_MODES.includes(mode)) throw invalidArgument(`unknown bundle delete mode ${JSON.stringify(mode)}`);
  await write(ctx, async (trx) => {
    const current = await lockedBundle(trx, ctx, id);
    if (current === undefined) throw notFound('bundle');
    const entryRows = await trx.selectFrom('registered_entries').selectAll()
      .where('id', 'in', (eb) => eb.selectFrom('federated_registration_entries')
        .select('registered_entry_id').where('bundle_id', '=', current.rowId))
      .orderBy('id').execute();
    if (entryRows.length > 0) {
      if (mode === 'restrict') {
        throw failedPrecondition(`cannot delete bundle; federated with ${entryRows.length} registration entries`);
      }
      if (mode === 'delete') {
        await deleteEntryRows(trx, entryRows, ctx.now());
      } else {
        await trx.deleteFrom('federated_registration_entries').where('bundle_id', '=', current.rowId).execute();
        for (const ids of chunks(entryRows.map((r) => Number(r.id)))) {
          await trx.updateTable('registered_entries')
            .set((eb) => ({ revision_number: eb('revision_number', '+', 1), updated_at: ctx.now() }))
            .where('id', 'in', ids).execute();
        }
        await appendEntryEvents(trx, entryRows.map((r) => r.entry_id), ctx.now());
      }
    }
    await trx.deleteFrom('bundles').where('id', '=', current.rowId).execute();
  });
}

/** Seconds since the epoch of a DER certificate's notAfter, or undefined when unparseable. */
function certificateNotAfter(der: Uint8Array): number | undefined {
  try {
    const ms = Date.parse(new X509Certificate(der).validTo);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  } catch {
    return undefined;
  }
}

export async function pruneBundle(ctx: SqlContext, trustDomain: string, expiresBefore: number): Promise<boolean> {
  const id = trustDomainId(trustDomain);
  if (!Number.isFinite(expiresBefore) || expiresBefore <= 0) throw invalidArgument('expiresBefore must be a positive number');
  return write(ctx, async (trx) => {
    const current = await lockedBundle(trx, ctx, id);
    if (current === undefined) return false;
    const { bundle } = current;
    const x509Authorities = bundle.x509Authorities.filter((a) => {
      const notAfter = certificateNotAfter(a.der);
      if (notAfter === undefined) ctx.logger.warn('datastore: keeping unparseable X.509 authority while pruning', { trustDomain: id });
      return notAfter === undefined || notAfter >= expiresBefore;
    });
    const jwtAuthorities = bundle.jwtAuthorities.filter((k) => k.expiresAt === 0 || k.expiresAt >= expiresBefore);
    if (x509Authorities.length === 0 && bundle.x509Authorities.length > 0) {
      ctx.logger.warn('datastore: bundle pruning halted; all X.509 authorities have expired', { trustDomain: id });
      throw failedPrecondition('would prune all certificates');
    }
    if (jwtAuthorities.length === 0 && bundle.jwtAuthorities.length > 0) {
      ctx.logger.warn('datastore: bundle pruning halted; all JWT authorities have expired', { trustDomain: id });
      throw failedPrecondition('would prune all JWT signing keys');
    }
    const changed = x509Authorities.length !== bundle.x509Authorities.length ||
      jwtAuthorities.length !== bundle.jwtAuthorities.length;
    if (!changed) return false;
    await storeBundle(trx, ctx, current.rowId, {
      ...bundle, x509Authorities, jwtAuthorities, sequenceNumber: bundle.sequenceNumber + 1n,
    });
    return true;
  });
}
