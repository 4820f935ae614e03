// types.Entry <-> datastore RegistrationEntry with every validation rule of SPIRE's API.
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import type { TrustDomain } from '@tspire/spiffe';
import type { EntryField, RegistrationEntry } from '../../datastore/types.js';
import { invalidArgument } from '../errors.js';
import { checkDnsName } from './dns-name.js';
import { selectorToProto, selectorsFromProto } from './selector.js';
import { idToProto, memberIdFromProto, trustDomainFromString, workloadIdFromProto } from './spiffe-id.js';

export const MAX_HINT_LENGTH = 1024;
const ENTRY_ID = /^[A-Za-z0-9._-]+$/;
const MAX_ENTRY_ID_LENGTH = 255;
const MAX_INT32 = 2 ** 31 - 1;

/** The fields of an input mask; undefined mask = every field. */
export function entryFieldsFromMask(mask: types.EntryMask | undefined): EntryField[] {
  const all = mask === undefined;
  const fields: EntryField[] = [];
  const add = (on: boolean, ...names: EntryField[]) => { if (all || on) fields.push(...names); };
  add(mask?.spiffeId ?? false, 'spiffeId');
  add(mask?.parentId ?? false, 'parentId');
  add(mask?.selectors ?? false, 'selectors');
  add(mask?.x509SvidTtl ?? false, 'x509SvidTtl');
  add(mask?.jwtSvidTtl ?? false, 'jwtSvidTtl');
  add(mask?.federatesWith ?? false, 'federatesWith');
  add(mask?.admin ?? false, 'admin');
  add(mask?.downstream ?? false, 'downstream');
  add(mask?.expiresAt ?? false, 'expiresAt');
  add(mask?.dnsNames ?? false, 'dnsNames');
  add(mask?.storeSvid ?? false, 'storeSvid');
  add(mask?.hint ?? false, 'hint');
  add(mask?.additionalAttributes ?? false, 'disableX509SvidPrefetch', 'jwtSvidIncludeJti');
  return fields;
}

export function checkEntryId(id: string): string {
  if (id.length > MAX_ENTRY_ID_LENGTH) throw invalidArgument(`invalid entry ID: length must be at most ${MAX_ENTRY_ID_LENGTH} characters`);
  if (!ENTRY_ID.test(id)) throw invalidArgument(`invalid entry ID ${JSON.stringify(id)}: only letters, digits, ".", "_" and "-" are allowed`);
  return id;
}

function ttl(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_INT32) throw invalidArgument(`invalid ${field}: must be between 0 and ${MAX_INT32}, got ${value}`);
  return value;
}

/**
 * Validates the masked fields of `e` (all when `fields` is undefined) and returns a full entry
 * (unmasked fields zero). `requireId` for updates. Throws InvalidArgument naming the field.
 */
export function entryFromProto(
  e: types.Entry,
  td: TrustDomain,
  options: { fields?: readonly EntryField[]; requireId?: boolean } = {},
): RegistrationEntry {
  const fields = new Set<EntryField>(options.fields ?? entryFieldsFromMask(undefined));
  if (options.requireId === true && e.id === '') throw invalidArgument('missing entry ID');
  const entry: RegistrationEntry = {
    id: e.id === '' ? '' : checkEntryId(e.id),
    spiffeId: '', parentId: '', selectors: [], x509SvidTtl: 0, jwtSvidTtl: 0, federatesWith: [], admin: false,
    downstream: false, expiresAt: 0, dnsNames: [], revisionNumber: 0, storeSvid: false, hint: '', createdAt: 0,
    disableX509SvidPrefetch: false, jwtSvidIncludeJti: false,
  };
  if (fields.has('parentId')) entry.parentId = memberIdFromProto(e.parentId, td, 'invalid parent ID').toString();
  if (fields.has('spiffeId')) entry.spiffeId = workloadIdFromProto(e.spiffeId, td, 'invalid spiffe ID').toString();
  if (fields.has('selectors')) entry.selectors = selectorsFromProto(e.selectors);
  if (fields.has('x509SvidTtl')) entry.x509SvidTtl = ttl(e.x509SvidTtl, 'x509_svid_ttl');
  if (fields.has('jwtSvidTtl')) entry.jwtSvidTtl = ttl(e.jwtSvidTtl, 'jwt_svid_ttl');
  if (fields.has('federatesWith')) {
    entry.federatesWith = e.federatesWith.map((name) => trustDomainFromString(name, `invalid federated trust domain ${JSON.stringify(name)}`).name);
  }
  if (fields.has('admin')) entry.admin = e.admin;
  if (fields.has('downstream')) entry.downstream = e.downstream;
  if (fields.has('expiresAt')) {
    if (e.expiresAt < 0n || e.expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(`invalid expires_at: must not be negative, got ${e.expiresAt}`);
    entry.expiresAt = Number(e.expiresAt);
  }
  if (fields.has('dnsNames')) entry.dnsNames = e.dnsNames.map((name) => checkDnsName(name));
  if (fields.has('hint')) {
    if (e.hint.length > MAX_HINT_LENGTH) throw invalidArgument(`invalid hint: longer than ${MAX_HINT_LENGTH} characters`);
    entry.hint = e.hint;
  }
  if (fields.has('storeSvid')) {
    entry.storeSvid = e.storeSvid;
    if (e.storeSvid && fields.has('selectors') && new Set(entry.selectors.map((s) => s.type)).size > 1) {
      throw invalidArgument('invalid store_svid: selector types must be the same when store SVID is enabled');
    }
  }
  if (fields.has('disableX509SvidPrefetch')) entry.disableX509SvidPrefetch = e.additionalAttributes?.disableX509SvidPrefetch ?? false;
  if (fields.has('jwtSvidIncludeJti')) entry.jwtSvidIncludeJti = e.additionalAttributes?.jwtSvidIncludeJti ?? false;
  return entry;
}

/** The proto form of `entry` with only the fields of `mask` (undefined = all); id always. */
export function entryToProto(entry: RegistrationEntry, mask?: types.EntryMask): types.Entry {
  const all = mask === undefined;
  const out = create(types.EntrySchema, { id: entry.id });
  if (all || mask.spiffeId) out.spiffeId = idToProto(entry.spiffeId);
  if (all || mask.parentId) out.parentId = idToProto(entry.parentId);
  if (all || mask.selectors) out.selectors = entry.selectors.map(selectorToProto);
  if (all || mask.x509SvidTtl) out.x509SvidTtl = entry.x509SvidTtl;
  if (all || mask.jwtSvidTtl) out.jwtSvidTtl = entry.jwtSvidTtl;
  if (all || mask.federatesWith) out.federatesWith = entry.federatesWith.map((td) => td.replace(/^spiffe:\/\//, ''));
  if (all || mask.admin) out.admin = entry.admin;
  if (all || mask.downstream) out.downstream = entry.downstream;
  if (all || mask.expiresAt) out.expiresAt = BigInt(entry.expiresAt);
  if (all || mask.dnsNames) out.dnsNames = [...entry.dnsNames];
  if (all || mask.revisionNumber) out.revisionNumber = BigInt(entry.revisionNumber);
  if (all || mask.storeSvid) out.storeSvid = entry.storeSvid;
  if (all || mask.hint) out.hint = entry.hint;
  if (all || mask.createdAt) out.createdAt = BigInt(entry.createdAt);
  // SPIRE sends additional_attributes only when one of them is set.
  if ((all || mask.additionalAttributes) && (entry.disableX509SvidPrefetch || entry.jwtSvidIncludeJti)) {
    out.additionalAttributes = create(types.Entry_AdditionalAttributesSchema, {
      disableX509SvidPrefetch: entry.disableX509SvidPrefetch,
      jwtSvidIncludeJti: entry.jwtSvidIncludeJti,
    });
  }
  return out;
}

/**
 * The entry as SPIRE answers BatchCreateEntry/BatchUpdateEntry: it re-reads the stored entry,
 * whose selectors come back sorted by type then value and DNS names by value (List and Get
 * keep the stored order, as ours do).
 */
export function asReReadAfterWrite<E extends { selectors: readonly { type: string; value: string }[]; dnsNames: readonly string[] }>(entry: E): E {
  return { ...entry, selectors: [...entry.selectors].sort(compareSelectors), dnsNames: [...entry.dnsNames].sort(compareStrings) };
}

/** Byte order, as Go compares strings (and SQL with a binary collation). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSelectors(a: { type: string; value: string }, b: { type: string; value: string }): number {
  return compareStrings(a.type, b.type) || compareStrings(a.value, b.value);
}
