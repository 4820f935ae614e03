// Writing entries. Each public operation is one transaction that also appends the entry event.
import type { Updateable } from 'kysely';
import { DatastoreError, SimilarEntryError, failedPrecondition, invalidArgument } from '../errors.js';
import type { CreateEntryResult } from '../datastore.js';
import { ENTRY_FIELDS, type EntryField, type NewRegistrationEntry, type RegistrationEntry, type Selector } from '../types.js';
import { chunks, flag, isUniqueViolation, lockKey, write, type Db, type SqlContext } from './context.js';
import { fetchEntryRow } from './entry-query.js';
import { hydrateEntries, insertEntryChildren, type EntryRow } from './entry-rows.js';
import { appendEntryEvent, appendEntryEvents } from './event-store.js';
import type { RegisteredEntriesTable } from './schema.js';
import { checkSelectors } from './set-match.js';
import { trustDomainId, uniqueTrustDomainNames } from './trust-domain.js';
import { updateMask } from './update-mask.js';

const ENTRY_ID = /^[A-Za-z0-9._-]{1,255}$/;
const SIMILAR_LOCK = 0x656e_7472; // "entr": advisory-lock namespace for the similar-entry check

export function entryNotFound(): DatastoreError {
  return new DatastoreError('ERR_ENTRY_NOT_FOUND', 'entry not found');
}

export async function createEntry(
  ctx: SqlContext,
  input: NewRegistrationEntry,
  returnSimilar: boolean,
): Promise<{ entry: RegistrationEntry; created: boolean }> {
  const entry = normaliseNewEntry(ctx, input);
  return write(ctx, (trx) => insertNewEntry(trx, ctx, entry, returnSimilar));
}

/**
 * Creates several entries in one transaction (one commit). Every refusal createEntry would
 * throw (invalid, missing bundle, similar, duplicate id) is detected by reads before anything
 * is written, so it is reported for that item only; any other failure (including a duplicate
 * id inserted concurrently by another server) rolls back the whole batch and is thrown.
 */
export async function createEntries(ctx: SqlContext, inputs: readonly NewRegistrationEntry[]): Promise<CreateEntryResult[]> {
  if (inputs.length === 0) return [];
  return write(ctx, async (trx) => {
    const results: CreateEntryResult[] = [];
    for (const input of inputs) {
      try {
        const entry = normaliseNewEntry(ctx, input);
        results.push({ entry: (await insertNewEntry(trx, ctx, entry, false, true)).entry });
      } catch (err) {
        if (!(err instanceof DatastoreError)) throw err;
        results.push({ error: err });
      }
    }
    return results;
  });
}

/** Checks, then writes; throws before its first write for every expected refusal. */
async function insertNewEntry(
  trx: Db,
  ctx: SqlContext,
  entry: RegistrationEntry,
  returnSimilar: boolean,
  inBatch = false,
): Promise<{ entry: RegistrationEntry; created: boolean }> {
  const bundleIds = await federatedBundleIds(trx, entry.federatesWith);
  await lockKey(trx, ctx.backend, SIMILAR_LOCK, `${entry.spiffeId}\n${entry.parentId}`);
  // One indexed lookup serves both checks: same id, or same spiffeId + parentId (usually 0-1 rows).
  const rows = await trx.selectFrom('registered_entries').selectAll()
    .where((eb) => eb.or([
      eb('entry_id', '=', entry.id),
      eb.and([eb('spiffe_id', '=', entry.spiffeId), eb('parent_id', '=', entry.parentId)]),
    ]))
    .orderBy('id').execute();
  if (rows.some((r) => r.entry_id === entry.id)) {
    throw new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', `entry ${JSON.stringify(entry.id)} already exists`);
  }
  const similar = await findSimilarEntry(trx, entry, rows);
  if (similar !== undefined) {
    if (returnSimilar) return { entry: similar, created: false };
    throw new SimilarEntryError(similar);
  }
  let inserted: { id: number };
  try {
    inserted = await trx.insertInto('registered_entries').values({
      entry_id: entry.id,
      ...entryColumns(entry),
      revision_number: 0,
      created_at: entry.createdAt,
      updated_at: entry.createdAt,
    }).returning('id').executeTakeFirstOrThrow();
  } catch (err) {
    // In a batch the failed statement has aborted the transaction (PostgreSQL), so it must not
    // become a per-item refusal: rethrown as is, it rolls the whole batch back.
    if (isUniqueViolation(err) && !inBatch) throw new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', `entry ${JSON.stringify(entry.id)} already exists`);
    throw err;
  }
  await insertEntryChildren(trx, Number(inserted.id), entry.selectors, entry.dnsNames, bundleIds);
  await appendEntryEvent(trx, entry.id, ctx.now());
  return { entry, created: true };
}

export async function updateEntry(
  ctx: SqlContext,
  entry: RegistrationEntry,
  mask: Iterable<EntryField> | undefined,
): Promise<RegistrationEntry> {
  const fields = updateMask(mask, ENTRY_FIELDS, 'entry');
  const patch = normaliseEntryPatch(entry, fields);
  return write(ctx, async (trx) => {
    // Locking the row first serialises concurrent updates of one entry on PostgreSQL.
    const row = await fetchEntryRow(trx, entry.id, ctx.backend === 'postgres');
    if (row === undefined) throw entryNotFound();
    const columns: Updateable<RegisteredEntriesTable> = {};
    for (const [key, value] of Object.entries(entryColumns(patch))) {
      if (fields.has(COLUMN_FIELD[key as keyof typeof COLUMN_FIELD])) Object.assign(columns, { [key]: value });
    }
    const updated = await trx.updateTable('registered_entries')
      .set((eb) => ({ ...columns, revision_number: eb('revision_number', '+', 1), updated_at: ctx.now() }))
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    if (fields.has('selectors')) {
      await trx.deleteFrom('selectors').where('registered_entry_id', '=', row.id).execute();
      await insertEntryChildren(trx, Number(row.id), patch.selectors, [], []);
    }
    if (fields.has('dnsNames')) {
      await trx.deleteFrom('dns_names').where('registered_entry_id', '=', row.id).execute();
      await insertEntryChildren(trx, Number(row.id), [], patch.dnsNames, []);
    }
    if (fields.has('federatesWith')) {
      const bundleIds = await federatedBundleIds(trx, patch.federatesWith);
      await trx.deleteFrom('federated_registration_entries').where('registered_entry_id', '=', row.id).execute();
      await insertEntryChildren(trx, Number(row.id), [], [], bundleIds);
    }
    await appendEntryEvent(trx, entry.id, ctx.now());
    const [result] = await hydrateEntries(trx, [updated]);
    if (result === undefined) throw entryNotFound();
    return result;
  });
}

export async function deleteEntry(ctx: SqlContext, entryId: string): Promise<RegistrationEntry> {
  return write(ctx, async (trx) => {
    const row = await fetchEntryRow(trx, entryId, ctx.backend === 'postgres');
    if (row === undefined) throw entryNotFound();
    const [entry] = await hydrateEntries(trx, [row]);
    await deleteEntryRows(trx, [row], ctx.now());
    if (entry === undefined) throw entryNotFound();
    return entry;
  });
}

export async function pruneEntries(ctx: SqlContext, expiresBefore: number): Promise<number> {
  if (!Number.isFinite(expiresBefore)) throw invalidArgument('expiresBefore must be a number');
  return write(ctx, async (trx) => {
    const rows = await trx.selectFrom('registered_entries').selectAll()
      .where('expires_at', '>', 0).where('expires_at', '<', expiresBefore).execute();
    await deleteEntryRows(trx, rows, ctx.now());
    if (rows.length > 0) ctx.logger.info('datastore: pruned expired registration entries', { count: rows.length });
    return rows.length;
  });
}

/** Deletes entries with their child rows and appends their events (caller's transaction). */
export async function deleteEntryRows(trx: Db, rows: readonly EntryRow[], now: number): Promise<void> {
  for (const ids of chunks(rows.map((r) => Number(r.id)))) {
    await trx.deleteFrom('selectors').where('registered_entry_id', 'in', ids).execute();
    await trx.deleteFrom('dns_names').where('registered_entry_id', 'in', ids).execute();
    await trx.deleteFrom('federated_registration_entries').where('registered_entry_id', 'in', ids).execute();
    await trx.deleteFrom('registered_entries').where('id', 'in', ids).execute();
  }
  await appendEntryEvents(trx, rows.map((r) => r.entry_id), now);
}

/** Among candidate rows, an entry with the same spiffeId + parentId and exactly the same selector set. */
async function findSimilarEntry(trx: Db, entry: RegistrationEntry, rows: readonly EntryRow[]): Promise<RegistrationEntry | undefined> {
  const candidates = rows.filter((r) => r.spiffe_id === entry.spiffeId && r.parent_id === entry.parentId);
  if (candidates.length === 0) return undefined;
  const key = (s: Selector) => `${s.type}\u0000${s.value}`;
  const wanted = new Set(entry.selectors.map(key));
  for (const candidate of await hydrateEntries(trx, candidates)) {
    if (candidate.selectors.length === wanted.size && candidate.selectors.every((s) => wanted.has(key(s)))) return candidate;
  }
  return undefined;
}

/** Bundle row ids for federated trust domain names; every one must exist (as SPIRE). */
async function federatedBundleIds(trx: Db, names: readonly string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const ids = names.map(trustDomainId);
  const rows = await trx.selectFrom('bundles').select(['id', 'trust_domain']).where('trust_domain', 'in', ids).execute();
  const found = new Map(rows.map((r) => [r.trust_domain, Number(r.id)]));
  return ids.map((id) => {
    const bundleId = found.get(id);
    if (bundleId === undefined) throw failedPrecondition(`unable to find federated bundle ${JSON.stringify(id)}`);
    return bundleId;
  });
}

const COLUMN_FIELD = {
  spiffe_id: 'spiffeId', parent_id: 'parentId', x509_svid_ttl: 'x509SvidTtl', jwt_svid_ttl: 'jwtSvidTtl',
  admin: 'admin', downstream: 'downstream', expires_at: 'expiresAt', store_svid: 'storeSvid', hint: 'hint',
  disable_x509_svid_prefetch: 'disableX509SvidPrefetch', jwt_svid_include_jti: 'jwtSvidIncludeJti',
} as const satisfies Record<string, EntryField>;

function entryColumns(e: RegistrationEntry) {
  return {
    spiffe_id: e.spiffeId, parent_id: e.parentId, x509_svid_ttl: e.x509SvidTtl, jwt_svid_ttl: e.jwtSvidTtl,
    admin: flag(e.admin), downstream: flag(e.downstream), expires_at: e.expiresAt, store_svid: flag(e.storeSvid),
    hint: e.hint, disable_x509_svid_prefetch: flag(e.disableX509SvidPrefetch), jwt_svid_include_jti: flag(e.jwtSvidIncludeJti),
  };
}

function normaliseNewEntry(ctx: SqlContext, input: NewRegistrationEntry): RegistrationEntry {
  const id = input.id === undefined || input.id === '' ? ctx.randomUuid() : input.id;
  if (!ENTRY_ID.test(id)) throw invalidArgument('entry id must be 1-255 characters of [A-Za-z0-9._-]');
  const entry: RegistrationEntry = {
    id,
    spiffeId: input.spiffeId,
    parentId: input.parentId,
    selectors: input.selectors,
    x509SvidTtl: input.x509SvidTtl ?? 0,
    jwtSvidTtl: input.jwtSvidTtl ?? 0,
    federatesWith: input.federatesWith ?? [],
    admin: input.admin ?? false,
    downstream: input.downstream ?? false,
    expiresAt: input.expiresAt ?? 0,
    dnsNames: input.dnsNames ?? [],
    revisionNumber: 0,
    storeSvid: input.storeSvid ?? false,
    hint: input.hint ?? '',
    createdAt: ctx.now(),
    disableX509SvidPrefetch: input.disableX509SvidPrefetch ?? false,
    jwtSvidIncludeJti: input.jwtSvidIncludeJti ?? false,
  };
  return normaliseEntryPatch(entry, new Set(ENTRY_FIELDS));
}

/** Validates the named fields and returns a copy with normalised collections. */
function normaliseEntryPatch(entry: RegistrationEntry, fields: ReadonlySet<EntryField>): RegistrationEntry {
  if (typeof entry?.id !== 'string' || entry.id === '') throw invalidArgument('missing entry id');
  const out = { ...entry };
  if (fields.has('spiffeId') && (typeof entry.spiffeId !== 'string' || entry.spiffeId === '')) throw invalidArgument('missing entry spiffeId');
  if (fields.has('parentId') && (typeof entry.parentId !== 'string' || entry.parentId === '')) throw invalidArgument('missing entry parentId');
  if (fields.has('selectors')) {
    out.selectors = checkSelectors(entry.selectors, 'entry');
    if (out.selectors.length === 0) throw invalidArgument('entry must have at least one selector');
  }
  for (const key of ['x509SvidTtl', 'jwtSvidTtl', 'expiresAt'] as const) {
    if (fields.has(key) && (!Number.isSafeInteger(entry[key]) || entry[key] < 0)) {
      throw invalidArgument(`entry ${key} must be a non-negative integer`);
    }
  }
  if (fields.has('federatesWith')) out.federatesWith = uniqueTrustDomainNames(entry.federatesWith ?? []).sort();
  if (fields.has('dnsNames')) {
    if (!Array.isArray(entry.dnsNames) || entry.dnsNames.some((d) => typeof d !== 'string')) {
      throw invalidArgument('entry dnsNames must be a list of strings');
    }
    out.dnsNames = [...entry.dnsNames];
  }
  if (fields.has('hint') && typeof entry.hint !== 'string') throw invalidArgument('entry hint must be a string');
  return out;
}
