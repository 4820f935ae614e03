/**
 * The CA journal: what each A/B slot of the X.509 CA and the JWT key holds, persisted through
 * the datastore so a restarted server finds (and, when its keys survive, reuses) its authorities.
 * Encoded as JSON (version 1); binary fields in base64, times in unix seconds.
 */
import { CaError } from './errors.js';
import { subjectKeyIdFromSpki } from './extensions.js';

export type SlotName = 'A' | 'B';
export type AuthorityStatus = 'active' | 'prepared' | 'old';

export interface X509JournalEntry {
  slot: SlotName;
  status: AuthorityStatus;
  /** Our CA certificate (DER). */
  certificate: Uint8Array;
  /** Certificates sent after the leaf in SVID chains: empty when self-signed, else [CA, upstream intermediates...]. */
  chain: Uint8Array[];
  /** Lowercase hex SKID of the CA certificate. */
  authorityId: string;
  /** Lowercase hex SKID of the upstream certificate that signed the CA, when there is one. */
  upstreamAuthorityId?: string;
  issuedAt: number;
  notAfter: number;
}

export interface JwtJournalEntry {
  slot: SlotName;
  status: AuthorityStatus;
  /** The JWT `kid`, also the authority ID. */
  keyId: string;
  /** PKIX SubjectPublicKeyInfo DER. */
  publicKeyDer: Uint8Array;
  issuedAt: number;
  notAfter: number;
}

export interface CaJournal {
  /** Trust domain name the authorities belong to; a journal of another trust domain is ignored. */
  trustDomain: string;
  x509: X509JournalEntry[];
  jwt: JwtJournalEntry[];
}

/**
 * Persistence of journals by key; the datastore implements it. Servers of one trust domain may
 * share a database while each holds its own CA keys, so every server's journal has its own key
 * (see `caJournalKey`). Deleting a missing key is not an error.
 */
export interface CaJournalStore {
  fetchCaJournal(key: string): Promise<Uint8Array | null>;
  setCaJournal(data: Uint8Array, key: string): Promise<void>;
  deleteCaJournal(key: string): Promise<void>;
  /**
   * Every stored journal key, when the store can list them. Optional: without it, orphaned
   * journals are found only through the CA certificates in the bundle (see orphaned-journals.ts).
   */
  listCaJournalKeys?(): Promise<string[]>;
}

/**
 * The datastore key of the journal whose active X.509 CA has this public key (SPKI DER):
 * `x509-ca/<lowercase hex SKID>`, the SKID computed as for our CA certificates (SHA-1 of the
 * key bits), i.e. the active authority ID. Only the server holding that key finds it again.
 */
export function caJournalKey(spkiDer: Uint8Array): string {
  return `x509-ca/${subjectKeyIdFromSpki(spkiDer).toString('hex')}`;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function encodeJournal(journal: CaJournal): Uint8Array {
  const x509 = journal.x509.map((e) => ({ ...e, certificate: b64(e.certificate), chain: e.chain.map(b64) }));
  const jwt = journal.jwt.map((e) => ({ ...e, publicKeyDer: b64(e.publicKeyDer) }));
  return Buffer.from(JSON.stringify({ version: 1, trustDomain: journal.trustDomain, x509, jwt }));
}

/**
 * Decodes and checks a stored journal.
 * @throws CaError ERR_CA_BAD_JOURNAL naming the bad field.
 */
export function decodeJournal(data: Uint8Array): CaJournal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw bad('it is not valid JSON', err);
  }
  const root = record(parsed, 'journal');
  if (root['version'] !== 1) throw bad(`unsupported version ${JSON.stringify(root['version'])}`);
  const trustDomain = text(root['trustDomain'], 'trustDomain', /^[a-z0-9._-]{1,255}$/);
  const x509 = list(root['x509'], 'x509').map((raw, i) => {
    const e = record(raw, `x509[${i}]`);
    const entry: X509JournalEntry = {
      ...common(e, `x509[${i}]`),
      certificate: bytes(e['certificate'], `x509[${i}].certificate`),
      chain: list(e['chain'], `x509[${i}].chain`).map((c, j) => bytes(c, `x509[${i}].chain[${j}]`)),
      authorityId: text(e['authorityId'], `x509[${i}].authorityId`, /^[0-9a-f]{2,128}$/),
    };
    if (e['upstreamAuthorityId'] !== undefined) entry.upstreamAuthorityId = text(e['upstreamAuthorityId'], `x509[${i}].upstreamAuthorityId`, /^[0-9a-f]{2,128}$/);
    return entry;
  });
  const jwt = list(root['jwt'], 'jwt').map((raw, i) => {
    const e = record(raw, `jwt[${i}]`);
    return {
      ...common(e, `jwt[${i}]`),
      keyId: text(e['keyId'], `jwt[${i}].keyId`, /^[A-Za-z0-9_-]{1,128}$/),
      publicKeyDer: bytes(e['publicKeyDer'], `jwt[${i}].publicKeyDer`),
    };
  });
  for (const [name, entries] of [['x509', x509], ['jwt', jwt]] as const) {
    const slots = entries.map((e) => e.slot);
    if (new Set(slots).size !== slots.length) throw bad(`${name} lists a slot twice`);
    if (entries.filter((e) => e.status === 'active').length > 1) throw bad(`${name} has more than one active slot`);
  }
  return { trustDomain, x509, jwt };
}

function common(e: Record<string, unknown>, where: string): { slot: SlotName; status: AuthorityStatus; issuedAt: number; notAfter: number } {
  const slot = e['slot'];
  const status = e['status'];
  if (slot !== 'A' && slot !== 'B') throw bad(`${where}.slot must be "A" or "B"`);
  if (status !== 'active' && status !== 'prepared' && status !== 'old') throw bad(`${where}.status must be active, prepared or old`);
  return { slot, status, issuedAt: seconds(e['issuedAt'], `${where}.issuedAt`), notAfter: seconds(e['notAfter'], `${where}.notAfter`) };
}

function bad(why: string, cause?: unknown): CaError {
  return new CaError('ERR_CA_BAD_JOURNAL', `stored CA journal is invalid: ${why}`, { cause });
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw bad(`${where} must be an array`);
  return value;
}

function text(value: unknown, where: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw bad(`${where} is missing or malformed`);
  return value;
}

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw bad(`${where} must be base64`);
  return Buffer.from(value, 'base64');
}

function seconds(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(`${where} must be unix seconds`);
  return value;
}
