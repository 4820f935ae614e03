// Reading entries: filters (as SQL conditions), keyset pages, counts, fetch by id.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { invalidArgument } from '../errors.js';
import type { EntryFilter, ListEntriesRequest, ListEntriesResult, RegistrationEntry } from '../types.js';
import { chunks, single, snapshot, type Db, type SqlContext } from './context.js';
import { hydrateEntries, type EntryRow } from './entry-rows.js';
import { pageOf, pageWindow } from './pagination.js';
import { checkMatchMode, checkSelectors, selectorMember, setMatchCondition } from './set-match.js';
import { trustDomainId } from './trust-domain.js';

const OUTER = sql.ref('registered_entries.id');

/** SQL conditions on `registered_entries` for a filter; validates it first. */
export function entryConditions(filter: EntryFilter | undefined): RawBuilder<SqlBool>[] {
  if (filter === undefined) return [];
  const conditions: RawBuilder<SqlBool>[] = [];
  if (filter.bySpiffeId !== undefined) conditions.push(sql<SqlBool>`registered_entries.spiffe_id = ${filter.bySpiffeId}`);
  if (filter.byParentId !== undefined) conditions.push(sql<SqlBool>`registered_entries.parent_id = ${filter.byParentId}`);
  if (filter.byHint !== undefined) conditions.push(sql<SqlBool>`registered_entries.hint = ${filter.byHint}`);
  if (filter.byDownstream === true) conditions.push(sql<SqlBool>`registered_entries.downstream = 1`);
  if (filter.bySelectors !== undefined) {
    const mode = checkMatchMode(filter.bySelectors.match, 'selector');
    const selectors = checkSelectors(filter.bySelectors.selectors, 'selector filter');
    if (selectors.length === 0) throw invalidArgument('cannot list by empty selector set');
    conditions.push(setMatchCondition({
      from: sql`selectors s`,
      owner: sql`s.registered_entry_id`,
      outer: OUTER,
      member: selectorMember('s', selectors),
      size: selectors.length,
    }, mode));
  }
  if (filter.byFederatesWith !== undefined) {
    const mode = checkMatchMode(filter.byFederatesWith.match, 'federates-with');
    if (!Array.isArray(filter.byFederatesWith.trustDomains)) throw invalidArgument('federates-with filter: trustDomains must be a list');
    const ids = [...new Set(filter.byFederatesWith.trustDomains.map(trustDomainId))];
    if (ids.length === 0) throw invalidArgument('cannot list by empty federates-with set');
    conditions.push(setMatchCondition({
      from: sql`federated_registration_entries fre inner join bundles fb on fb.id = fre.bundle_id`,
      owner: sql`fre.registered_entry_id`,
      outer: OUTER,
      member: sql<SqlBool>`fb.trust_domain in (${sql.join(ids)})`,
      size: ids.length,
    }, mode));
  }
  return conditions;
}

export async function listEntries(ctx: SqlContext, request: ListEntriesRequest | undefined): Promise<ListEntriesResult> {
  const conditions = entryConditions(request?.filter);
  const window = pageWindow(request);
  return snapshot(ctx, async (trx) => {
    let q = trx.selectFrom('registered_entries').selectAll();
    for (const c of conditions) q = q.where(c);
    if (window.afterId > 0) q = q.where('registered_entries.id', '>', window.afterId);
    q = q.orderBy('registered_entries.id');
    if (window.limit !== undefined) q = q.limit(window.limit);
    const page = pageOf(await q.execute(), window);
    return { entries: await hydrateEntries(trx, page.rows), nextPageToken: page.nextPageToken };
  });
}

export async function countEntries(ctx: SqlContext, filter: EntryFilter | undefined): Promise<number> {
  const conditions = entryConditions(filter);
  const row = await single(ctx, (db) => {
    let q = db.selectFrom('registered_entries').select((eb) => eb.fn.countAll<number>().as('count'));
    for (const c of conditions) q = q.where(c);
    return q.executeTakeFirstOrThrow();
  });
  return Number(row.count);
}

export async function fetchEntryRow(db: Db, entryId: string, forUpdate = false): Promise<EntryRow | undefined> {
  let q = db.selectFrom('registered_entries').selectAll().where('entry_id', '=', entryId);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function fetchEntry(ctx: SqlContext, entryId: string): Promise<RegistrationEntry | null> {
  return snapshot(ctx, async (trx) => {
    const row = await fetchEntryRow(trx, entryId);
    if (row === undefined) return null;
    const [entry] = await hydrateEntries(trx, [row]);
    return entry ?? null;
  });
}

export async function fetchEntries(ctx: SqlContext, entryIds: readonly string[]): Promise<RegistrationEntry[]> {
  if (entryIds.length === 0) return [];
  const unique = [...new Set(entryIds)];
  const found = await snapshot(ctx, async (trx) => {
    const rows: EntryRow[] = [];
    for (const ids of chunks(unique)) {
      rows.push(...(await trx.selectFrom('registered_entries').selectAll().where('entry_id', 'in', ids).execute()));
    }
    return hydrateEntries(trx, rows);
  });
  const byId = new Map(found.map((e) => [e.id, e]));
  return unique.flatMap((id) => byId.get(id) ?? []);
}
