/**
 * The SPIFFE bundle JSON form (SPIFFE Trust Domain and Bundle §4): a JWK Set whose keys carry
 * `use` (`x509-svid` or `jwt-svid`), plus `spiffe_sequence` and `spiffe_refresh_hint`.
 *
 * Parsing follows the spec where go-spiffe agrees and go where it is stricter, so both sides
 * accept what we emit and we never trust what go would refuse:
 * - `keys` missing, null or not an array: error (go; the spec says MUST be present).
 * - unknown or missing `use`: entry ignored (spec, go). `wit-svid` is ignored too.
 * - unknown `kty`: entry ignored (spec; go fails the whole document). A missing `kty` is an error.
 * - `x509-svid`: `x5c` must hold exactly one standard-base64 DER certificate (go) and the JWK's own
 *   key parameters must equal the certificate's key (go-jose). A `kid` there is ignored.
 * - `jwt-svid`: non-empty `kid` required; two different keys under one kid is an error.
 * - sequence: JSON integer in [0, 2^64-1]; refresh hint: JSON integer seconds in [0, 2^53-1]
 *   (go takes any int64; a negative hint has no meaning, so it is refused).
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { SpiffeError, quote } from '../errors.js';
import { isJsonObject, parseJsonObject, rawTopLevelNumber } from './json-input.js';
import { jwkFromPublicKey, KNOWN_KEY_TYPES, publicKeyFromJwk, type PublicJwk } from './jwk.js';
import { jwtAuthorityJwks, parseJwtAuthorityJwk } from './jwt-bundle.js';
import { decodeStrictBase64 } from '../pem/pem.js';
import { parseCertificate } from './x509-bundle.js';

export const MAX_SEQUENCE_NUMBER = 2n ** 64n - 1n;

/** What a SPIFFE bundle document holds, besides its trust domain (which is not in the JSON). */
export interface SpiffeBundleContents {
  readonly x509Authorities: readonly X509Certificate[];
  readonly jwtAuthorities: ReadonlyMap<string, KeyObject>;
  readonly refreshHint: number | undefined;
  readonly sequenceNumber: bigint | undefined;
}

/** Parses SPIFFE bundle JSON (text or UTF-8 bytes). Throws SpiffeError naming the broken rule. */
export function parseSpiffeBundleJson(json: string | Uint8Array): SpiffeBundleContents {
  const { text, value } = parseJsonObject(json, 'SPIFFE bundle');
  const keys = value['keys'];
  if (!Array.isArray(keys)) {
    const state = keys === undefined ? 'missing' : keys === null ? 'null' : 'not an array';
    throw new SpiffeError('ERR_BUNDLE_BAD_KEYS', `SPIFFE bundle member "keys" is ${state}; it must be an array`);
  }
  const x509Authorities: X509Certificate[] = [];
  const jwtAuthorities = new Map<string, KeyObject>();
  keys.forEach((jwk: unknown, i) => {
    const where = `JWK keys[${i}]`;
    if (!isJsonObject(jwk)) throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: must be a JSON object`);
    if (jwk['use'] === 'x509-svid') {
      const cert = parseX509Entry(jwk, where);
      if (cert !== undefined && !x509Authorities.some((c) => c.raw.equals(cert.raw))) x509Authorities.push(cert);
    } else if (jwk['use'] === 'jwt-svid') {
      const parsed = parseJwtAuthorityJwk(jwk, where);
      if (parsed !== undefined) addJwtAuthority(jwtAuthorities, parsed.kid, parsed.key);
    }
  });
  return {
    x509Authorities,
    jwtAuthorities,
    refreshHint: readRefreshHint(text, value['spiffe_refresh_hint']),
    sequenceNumber: readSequence(text, value['spiffe_sequence']),
  };
}

function parseX509Entry(jwk: Record<string, unknown>, where: string): X509Certificate | undefined {
  const kty = jwk['kty'];
  if (typeof kty !== 'string' || kty === '') throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: "kty" is missing`);
  if (!KNOWN_KEY_TYPES.has(kty)) return undefined;
  const x5c = jwk['x5c'];
  if (!Array.isArray(x5c) || x5c.length !== 1 || typeof x5c[0] !== 'string') {
    throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: x509-svid entry must have "x5c" holding exactly one certificate`);
  }
  const der = decodeStrictBase64(x5c[0]);
  if (der === undefined) throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: x5c[0] is not standard padded base64`);
  const cert = parseCertificate(der, `${where} x5c[0]`);
  const key = publicKeyFromJwk(jwk, where);
  if (!key.equals(cert.publicKey)) {
    throw new SpiffeError('ERR_BUNDLE_KEY_MISMATCH', `${where}: JWK key parameters do not match the x5c certificate's public key`);
  }
  return cert;
}

function addJwtAuthority(authorities: Map<string, KeyObject>, kid: string, key: KeyObject): void {
  const existing = authorities.get(kid);
  if (existing !== undefined && !existing.equals(key)) {
    throw new SpiffeError('ERR_BUNDLE_DUPLICATE_KEY_ID', `two different JWT authorities have kid ${quote(kid, 64)}`);
  }
  authorities.set(kid, key);
}

function readSequence(text: string, value: unknown): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = typeof value === 'number' ? rawTopLevelNumber(text, 'spiffe_sequence') : undefined;
  if (raw === undefined || !/^(0|[1-9][0-9]*)$/.test(raw) || BigInt(raw) > MAX_SEQUENCE_NUMBER) {
    throw new SpiffeError('ERR_BUNDLE_BAD_SEQUENCE', `spiffe_sequence must be an integer from 0 to 2^64-1, got ${quote(raw ?? JSON.stringify(value), 64)}`);
  }
  return BigInt(raw);
}

function readRefreshHint(text: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = typeof value === 'number' ? rawTopLevelNumber(text, 'spiffe_refresh_hint') : undefined;
  if (raw === undefined || !/^(0|[1-9][0-9]*)$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new SpiffeError('ERR_BUNDLE_BAD_REFRESH_HINT', `spiffe_refresh_hint must be a non-negative integer of seconds, got ${quote(raw ?? JSON.stringify(value), 64)}`);
  }
  return Number(raw);
}

/**
 * Writes SPIFFE bundle JSON go-spiffe can read: `keys` always an array; x509-svid entries (in
 * order) then jwt-svid entries (sorted by kid); members in go-jose's order; optional members
 * omitted when unset; the sequence written exactly even beyond 2^53.
 */
export function marshalSpiffeBundleJson(contents: SpiffeBundleContents, indent?: number): string {
  const keys: PublicJwk[] = [
    ...contents.x509Authorities.map((cert, i) => x509Entry(cert, i)),
    ...jwtAuthorityJwks(contents.jwtAuthorities, 'jwt-svid'),
  ];
  const members: [string, string][] = [['keys', JSON.stringify(keys, null, indent)]];
  if (contents.sequenceNumber !== undefined) members.push(['spiffe_sequence', contents.sequenceNumber.toString()]);
  if (contents.refreshHint !== undefined) members.push(['spiffe_refresh_hint', String(contents.refreshHint)]);
  return writeObject(members, indent);
}

function x509Entry(cert: X509Certificate, index: number): PublicJwk {
  const jwk = jwkFromPublicKey(cert.publicKey, `X.509 authority ${index} (${cert.subject.replace(/\n/g, ', ')})`);
  return { use: 'x509-svid', ...jwk, x5c: [cert.raw.toString('base64')] };
}

/** Writes an object from already-serialized member values, laid out as JSON.stringify would. */
function writeObject(members: [string, string][], indent: number | undefined): string {
  const pad = indent !== undefined && indent > 0 ? ' '.repeat(Math.min(10, Math.floor(indent))) : '';
  if (pad === '') return `{${members.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;
  // JSON strings never hold raw newlines, so re-indenting nested lines is safe.
  const lines = members.map(([name, value]) => `${pad}${JSON.stringify(name)}: ${value.replace(/\n/g, '\n' + pad)}`);
  return `{\n${lines.join(',\n')}\n}`;
}
