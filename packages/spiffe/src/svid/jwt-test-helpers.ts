/**
 * Test helpers for JWT-SVIDs: key pairs per algorithm and token builders, including tokens no
 * honest signer would make (alg none, HMAC forged with a public key, tampered parts).
 */
import { createHmac, generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';

export type SigningAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

export interface KeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

const rsaKeys = new Map<number, KeyPair>();

/** A key pair fit for `alg` (RSA keys are cached: generating them is slow). */
export function keyPairFor(alg: SigningAlg): KeyPair {
  if (alg.startsWith('ES')) {
    const namedCurve = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg as 'ES256'];
    return generateKeyPairSync('ec', { namedCurve });
  }
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  const cached = rsaKeys.get(2048);
  if (cached) return cached;
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rsaKeys.set(2048, pair);
  return pair;
}

export function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `header.payload` as the JWS rules for `alg` say (ES as raw R||S, PS with digest-length salt). */
export function signingOutput(alg: SigningAlg, signingInput: string, privateKey: KeyObject): Buffer {
  const data = Buffer.from(signingInput);
  if (alg === 'EdDSA') return sign(null, data, privateKey);
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('ES')) return sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) {
    return sign(hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  }
  return sign(hash, data, privateKey);
}

/** A compact JWS with exactly the given header and claims, signed with `privateKey`. */
export function signToken(header: Record<string, unknown>, claims: Record<string, unknown>, privateKey: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(signingOutput(header['alg'] as SigningAlg, input, privateKey))}`;
}

/** An unsigned token (`alg: none`, empty signature). */
export function unsignedToken(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.`;
}

/** The classic key-confusion forgery: HS256 keyed with the verifier's public key bytes. */
export function hmacForgedToken(kid: string, claims: Record<string, unknown>, publicKey: KeyObject): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  const secret = publicKey.export({ format: 'pem', type: 'spki' });
  return `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
}

/** Replaces one part (0 header, 1 payload, 2 signature) of a compact token. */
export function replacePart(token: string, index: 0 | 1 | 2, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}
