// Turning registered_entries rows into RegistrationEntry values. Child rows (selectors, DNS
// names, federated trust domains) are loaded for a whole page at once — three batched queries
// per chunk of ids, never one query per entry.
import type { Selectable } from 'kysely';
import type { RegistrationEntry, Selector } from '../types.js';
import { chunks, type Db } from './context.js';
import type { RegisteredEntriesTable } from './schema.js';
import { trustDomainName } from './trust-domain.js';

export type EntryRow = Selectable<RegisteredEntriesTable>;

export async function hydrateEntries(db: Db, rows: readonly EntryRow[]): Promise<RegistrationEntry[]> {
  if (rows.length === 0) return [];
  const selectors = new Map<number, Selector[]>();
  const dnsNames = new Map<number, string[]>();
  const federatesWith = new Map<number, string[]>();
  const push = <V>(map: Map<number, V[]>, key: number, value: V) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [value]);
    else list.push(value);
  };
  for (const ids of chunks(rows.map((r) => Number(r.id)))) {
    const [selectorRows, dnsRows, federatedRows] = await Promise.all([
      db.selectFrom('selectors').select(['registered_entry_id', 'type', 'value'])
        .where('registered_entry_id', 'in', ids).orderBy('id').execute(),
      db.selectFrom('dns_names').select(['registered_entry_id', 'value'])
        .where('registered_entry_id', 'in', ids).orderBy('id').execute(),
      db.selectFrom('federated_registration_entries as f')
        .innerJoin('bundles as b', 'b.id', 'f.bundle_id')
        .select(['f.registered_entry_id', 'b.trust_domain'])
        .where('f.registered_entry_id', 'in', ids).execute(),
    ]);
    for (const r of selectorRows) push(selectors, Number(r.registered_entry_id), { type: r.type, value: r.value });
    for (const r of dnsRows) push(dnsNames, Number(r.registered_entry_id), r.value);
    for (const r of federatedRows) push(federatesWith, Number(r.registered_entry_id), trustDomainName(r.trust_domain));
  }
  return rows.map((row) => {
    const id = Number(row.id);
    // federatesWith is a set; sorted in JS so every backend and collation gives one order.
    return entryFromRow(row, selectors.get(id) ?? [], dnsNames.get(id) ?? [], (federatesWith.get(id) ?? []).sort());
  });
}

export function entryFromRow(
  row: EntryRow,
  selectors: Selector[],
  dnsNames: string[],
  federatesWith: string[],
): RegistrationEntry {
  return {
    id: row.entry_id,
    spiffeId: row.spiffe_id,
    parentId: row.parent_id,
    selectors,
    x509SvidTtl: Number(row.x509_svid_ttl),
    jwtSvidTtl: Number(row.jwt_svid_ttl),
    federatesWith,
    admin: Number(row.admin) === 1,
    downstream: Number(row.downstream) === 1,
    expiresAt: Number(row.expires_at),
    dnsNames,
    revisionNumber: Number(row.revision_number),
    storeSvid: Number(row.store_svid) === 1,
    hint: row.hint,
    createdAt: Number(row.created_at),
    disableX509SvidPrefetch: Number(row.disable_x509_svid_prefetch) === 1,
    jwtSvidIncludeJti: Number(row.jwt_svid_include_jti) === 1,
  };
}

/** Inserts the child rows of one entry. */
export async function insertEntryChildren(
  trx: Db,
  rowId: number,
  selectors: readonly Selector[],
  dnsNames: readonly string[],
  bundleIds: readonly number[],
): Promise<void> {
  if (selectors.length > 0) {
    await trx.insertInto('selectors')
      .values(selectors.map((s) => ({ registered_entry_id: rowId, type: s.type, value: s.value }))).execute();
  }
  if (dnsNames.length > 0) {
    await trx.insertInto('dns_names').values(dnsNames.map((value) => ({ registered_entry_id: rowId, value }))).execute();
  }
  if (bundleIds.length > 0) {
    await trx.insertInto('federated_registration_entries')
      .values(bundleIds.map((bundle_id) => ({ registered_entry_id: rowId, bundle_id }))).execute();
  }
}
