/**
 * Public JWKs (RFC 7517/7518) <-> node:crypto KeyObjects, for JWT and SPIFFE bundles.
 * Only public signature keys are accepted: EC P-256/P-384/P-521, RSA, OKP Ed25519/Ed448.
 * (JWT-SVID validation later narrows further: only RS/ES/PS algorithms.)
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SpiffeError, quote } from '../errors.js';

/** A public JWK as we emit it; members in go-jose's order so output matches go's. */
export interface PublicJwk {
  use?: string;
  kty: string;
  kid?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  x5c?: string[];
}

/** Key types we understand; any other `kty` is skipped by parsers (RFC 7517 §5, SPIFFE bundle §4.1). */
export const KNOWN_KEY_TYPES: ReadonlySet<string> = new Set(['EC', 'RSA', 'OKP', 'oct']);

const CURVES: Readonly<Record<string, readonly string[]>> = {
  EC: ['P-256', 'P-384', 'P-521'],
  OKP: ['Ed25519', 'Ed448'],
};
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const NODE_CURVE_NAMES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/**
 * Builds a public KeyObject from a JWK whose `kty` is one of KNOWN_KEY_TYPES.
 * `where` names the entry in error messages (e.g. `JWK keys[2] (kid "k1")`).
 * @throws SpiffeError ERR_BUNDLE_UNSUPPORTED_KEY or ERR_BUNDLE_BAD_JWK.
 */
export function publicKeyFromJwk(jwk: Record<string, unknown>, where: string): KeyObject {
  const kty = jwk['kty'];
  if (kty === 'oct') unsupported(where, 'symmetric ("oct") keys are not allowed');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) bad(where, 'JWK contains private key material');
  const clean = kty === 'RSA' ? rsaParams(jwk, where) : curveParams(String(kty), jwk, where);
  try {
    return createPublicKey({ key: clean, format: 'jwk' });
  } catch (cause) {
    return bad(where, `invalid ${String(kty)} key parameters`, cause);
  }
}

function rsaParams(jwk: Record<string, unknown>, where: string): JsonWebKey {
  return { kty: 'RSA', n: stringMember(jwk, 'n', where), e: stringMember(jwk, 'e', where) };
}

function curveParams(kty: string, jwk: Record<string, unknown>, where: string): JsonWebKey {
  const crv = stringMember(jwk, 'crv', where);
  if (!(CURVES[kty] ?? []).includes(crv)) unsupported(where, `curve ${quote(crv, 32)} is not supported for kty ${kty}`);
  const x = stringMember(jwk, 'x', where);
  return kty === 'EC' ? { kty, crv, x, y: stringMember(jwk, 'y', where) } : { kty, crv, x };
}

function stringMember(jwk: Record<string, unknown>, name: string, where: string): string {
  const value = jwk[name];
  if (typeof value !== 'string' || value === '') bad(where, `key parameter "${name}" is missing or not a non-empty string`);
  return value;
}

/**
 * Exports a public KeyObject as a JWK holding only `kty` and key parameters.
 * @throws SpiffeError ERR_BUNDLE_NOT_PUBLIC_KEY or ERR_BUNDLE_UNSUPPORTED_KEY.
 */
export function jwkFromPublicKey(key: KeyObject, where: string): PublicJwk {
  assertSupportedPublicKey(key, where);
  const jwk = key.export({ format: 'jwk' });
  switch (jwk.kty) {
    case 'RSA':
      return { kty: 'RSA', n: String(jwk.n), e: String(jwk.e) };
    case 'EC':
      return { kty: 'EC', crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y) };
    default:
      return { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x) };
  }
}

/**
 * Checks that `key` is a public key of a supported type, so bundles never hold secrets or keys
 * that cannot be written back as JWKs.
 */
export function assertSupportedPublicKey(key: KeyObject, where: string): void {
  if (key.type !== 'public') {
    throw new SpiffeError('ERR_BUNDLE_NOT_PUBLIC_KEY', `${where}: a ${key.type} key is not allowed, only public keys`);
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'ed25519' || type === 'ed448') return;
  if (type === 'ec' && NODE_CURVE_NAMES[key.asymmetricKeyDetails?.namedCurve ?? ''] !== undefined) return;
  const detail = type === 'ec' ? ` on curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}` : '';
  unsupported(where, `key type ${type ?? 'unknown'}${detail} is not supported`);
}

function bad(where: string, reason: string, cause?: unknown): never {
  throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: ${reason}`, cause === undefined ? undefined : { cause });
}

function unsupported(where: string, reason: string): never {
  throw new SpiffeError('ERR_BUNDLE_UNSUPPORTED_KEY', `${where}: ${reason}`);
}
