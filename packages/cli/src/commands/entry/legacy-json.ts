/**
 * The `-data` file of `entry create`/`entry update`: SPIRE's legacy RegistrationEntry JSON,
 * `{"entries":[{...}]}` with snake_case names (and camelCase `entryExpiry`). Keys match
 * case-insensitively and unknown keys are ignored, as Go's encoding/json does.
 */
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { CliError } from '../../output/rpc-error.js';
import { parseSpiffeIdProto, toInt32 } from '../parse-helpers.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Looks a key up case-insensitively (exact match preferred), as encoding/json does. */
function field(obj: JsonObject, name: string): unknown {
  if (name in obj) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function typed<T>(where: string, value: unknown, check: (v: unknown) => v is T, want: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw new CliError(`invalid entry data: ${where} must be ${want}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isList = (v: unknown): v is unknown[] => Array.isArray(v);

function parseSelectors(where: string, value: unknown): types.Selector[] {
  const list = typed(where, value, isList, 'an array of {"type","value"} objects') ?? [];
  return list.map((item, i) => {
    if (!isObject(item)) throw new CliError(`invalid entry data: ${where}[${i}] must be an object`);
    return create(types.SelectorSchema, {
      type: typed(`${where}[${i}].type`, field(item, 'type'), isString, 'a string') ?? '',
      value: typed(`${where}[${i}].value`, field(item, 'value'), isString, 'a string') ?? '',
    });
  });
}

function parseId(where: string, value: unknown): types.SPIFFEID | undefined {
  const text = typed(where, value, isString, 'a SPIFFE ID string');
  if (text === undefined || text === '') return undefined;
  try {
    return parseSpiffeIdProto(text);
  } catch (err) {
    throw new CliError(`invalid entry data: ${where}: ${(err as Error).message}`);
  }
}

/** `spiffe://td` or `td` -> `td` (the API reports trust domain names). */
function trustDomainName(text: string): string {
  return text.startsWith('spiffe://') ? text.slice('spiffe://'.length) : text;
}

function parseEntry(raw: unknown, i: number): types.Entry {
  const where = `entries[${i}]`;
  if (!isObject(raw)) throw new CliError(`invalid entry data: ${where} must be an object`);
  const str = (name: string): string => typed(`${where}.${name}`, field(raw, name), isString, 'a string') ?? '';
  const bool = (name: string): boolean => typed(`${where}.${name}`, field(raw, name), isBool, 'a boolean') ?? false;
  const int = (name: string): number => typed(`${where}.${name}`, field(raw, name), isInt, 'an integer') ?? 0;
  const strings = (name: string): string[] => typed(`${where}.${name}`, field(raw, name), isStrings, 'an array of strings') ?? [];
  const attributes = field(raw, 'additional_attributes');
  const entry = create(types.EntrySchema, {
    id: str('entry_id'),
    selectors: parseSelectors(`${where}.selectors`, field(raw, 'selectors')),
    x509SvidTtl: toInt32(int('x509_svid_ttl'), `${where}.x509_svid_ttl`),
    jwtSvidTtl: toInt32(int('jwt_svid_ttl'), `${where}.jwt_svid_ttl`),
    federatesWith: strings('federates_with').map(trustDomainName),
    admin: bool('admin'),
    downstream: bool('downstream'),
    expiresAt: BigInt(int('entryExpiry')),
    dnsNames: strings('dns_names'),
    storeSvid: bool('store_svid'),
    hint: str('hint'),
  });
  const spiffeId = parseId(`${where}.spiffe_id`, field(raw, 'spiffe_id'));
  const parentId = parseId(`${where}.parent_id`, field(raw, 'parent_id'));
  if (spiffeId !== undefined) entry.spiffeId = spiffeId;
  if (parentId !== undefined) entry.parentId = parentId;
  if (isObject(attributes)) {
    const attr = (name: string): boolean =>
      typed(`${where}.additional_attributes.${name}`, field(attributes, name), isBool, 'a boolean') ?? false;
    entry.additionalAttributes = create(types.Entry_AdditionalAttributesSchema, {
      disableX509SvidPrefetch: attr('disable_x509_svid_prefetch'),
      jwtSvidIncludeJti: attr('jwt_svid_include_jti'),
    });
  }
  return entry;
}

/** Parses the whole file; throws CliError naming the entry and field that is wrong. */
export function parseLegacyEntries(bytes: Uint8Array): types.Entry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new CliError(`invalid entry data: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new CliError('invalid entry data: expected a JSON object with an "entries" array');
  const list = typed('entries', field(doc, 'entries'), isList, 'an array') ?? [];
  return list.map(parseEntry);
}
