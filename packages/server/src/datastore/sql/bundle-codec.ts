// Stored form of a bundle's contents (bundles.data): versioned JSON, UTF-8 encoded, with DER
// bytes in base64 and the uint64 sequence number as a decimal string. Readable with any SQL
// client, independent of protobuf, and versioned so the format can evolve.
import { DatastoreError, invalidArgument } from '../errors.js';
import type { Bundle, JwtAuthority, X509Authority } from '../types.js';
import { trustDomainId } from './trust-domain.js';

interface StoredBundleV1 {
  v: 1;
  x509: { der: string; tainted: boolean }[];
  jwt: { kid: string; pkix: string; exp: number; tainted: boolean }[];
  refreshHint: number;
  seq: string;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export function encodeBundle(bundle: Bundle): Uint8Array {
  const stored: StoredBundleV1 = {
    v: 1,
    x509: bundle.x509Authorities.map((a) => ({ der: toBase64(a.der), tainted: a.tainted })),
    jwt: bundle.jwtAuthorities.map((k) => ({ kid: k.keyId, pkix: toBase64(k.publicKeyDer), exp: k.expiresAt, tainted: k.tainted })),
    refreshHint: bundle.refreshHint,
    seq: bundle.sequenceNumber.toString(),
  };
  // A Buffer (a Uint8Array) binds directly on both drivers.
  return Buffer.from(JSON.stringify(stored), 'utf8');
}

export function decodeBundle(trustDomain: string, data: Uint8Array): Bundle {
  let stored: StoredBundleV1;
  try {
    stored = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as StoredBundleV1;
  } catch (err) {
    throw new DatastoreError('ERR_DATASTORE_FAILED_PRECONDITION', `stored bundle for ${trustDomain} is not readable`, { cause: err });
  }
  if (stored?.v !== 1) {
    throw new DatastoreError('ERR_DATASTORE_FAILED_PRECONDITION', `stored bundle for ${trustDomain} has unknown format ${String(stored?.v)}`);
  }
  return {
    trustDomain,
    x509Authorities: stored.x509.map((a) => ({ der: fromBase64(a.der), tainted: a.tainted === true })),
    jwtAuthorities: stored.jwt.map((k) => ({
      keyId: k.kid, publicKeyDer: fromBase64(k.pkix), expiresAt: k.exp, tainted: k.tainted === true,
    })),
    refreshHint: stored.refreshHint,
    sequenceNumber: BigInt(stored.seq),
  };
}

/** Validates a bundle from a caller and returns a copy with the trust domain in ID form. */
export function checkBundle(bundle: Bundle): Bundle {
  if (typeof bundle !== 'object' || bundle === null) throw invalidArgument('missing bundle');
  const trustDomain = trustDomainId(bundle.trustDomain);
  if (!Array.isArray(bundle.x509Authorities)) throw invalidArgument('bundle x509Authorities must be a list');
  if (!Array.isArray(bundle.jwtAuthorities)) throw invalidArgument('bundle jwtAuthorities must be a list');
  const x509Authorities: X509Authority[] = bundle.x509Authorities.map((a, i) => {
    if (!(a?.der instanceof Uint8Array) || a.der.length === 0) throw invalidArgument(`bundle x509Authorities[${i}].der must be non-empty bytes`);
    return { der: a.der, tainted: a.tainted === true };
  });
  const jwtAuthorities: JwtAuthority[] = bundle.jwtAuthorities.map((k, i) => {
    if (typeof k?.keyId !== 'string' || k.keyId === '') throw invalidArgument(`bundle jwtAuthorities[${i}].keyId is missing`);
    if (!(k.publicKeyDer instanceof Uint8Array) || k.publicKeyDer.length === 0) {
      throw invalidArgument(`bundle jwtAuthorities[${i}].publicKeyDer must be non-empty bytes`);
    }
    if (!Number.isSafeInteger(k.expiresAt) || k.expiresAt < 0) throw invalidArgument(`bundle jwtAuthorities[${i}].expiresAt must be a non-negative integer`);
    return { keyId: k.keyId, publicKeyDer: k.publicKeyDer, expiresAt: k.expiresAt, tainted: k.tainted === true };
  });
  if (!Number.isSafeInteger(bundle.refreshHint) || bundle.refreshHint < 0) throw invalidArgument('bundle refreshHint must be a non-negative integer');
  if (typeof bundle.sequenceNumber !== 'bigint' || bundle.sequenceNumber < 0n || bundle.sequenceNumber > MAX_UINT64) {
    throw invalidArgument('bundle sequenceNumber must be a uint64 bigint');
  }
  return { trustDomain, x509Authorities, jwtAuthorities, refreshHint: bundle.refreshHint, sequenceNumber: bundle.sequenceNumber };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/**
 * Adds authorities of `extra` missing from `base` (X.509 by DER, JWT by key id + key bytes).
 * Returns the merged bundle and whether anything was added; the sequence number is the caller's.
 */
export function mergeAuthorities(base: Bundle, extra: Bundle): { bundle: Bundle; changed: boolean } {
  const x509Authorities = [...base.x509Authorities];
  const jwtAuthorities = [...base.jwtAuthorities];
  let changed = false;
  for (const a of extra.x509Authorities) {
    if (x509Authorities.some((b) => sameBytes(a.der, b.der))) continue;
    x509Authorities.push(a);
    changed = true;
  }
  for (const k of extra.jwtAuthorities) {
    if (jwtAuthorities.some((b) => b.keyId === k.keyId && sameBytes(b.publicKeyDer, k.publicKeyDer))) continue;
    jwtAuthorities.push(k);
    changed = true;
  }
  return { bundle: { ...base, x509Authorities, jwtAuthorities }, changed };
}
