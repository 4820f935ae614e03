// Independent signature checks for tests, written with bigint arithmetic only (no node:crypto
// sign/verify), so they can tell whether a signature covers a given digest exactly.
import { createHash, type KeyObject } from 'node:crypto';

interface Curve {
  p: bigint;
  n: bigint;
  g: Point;
}
type Point = { x: bigint; y: bigint } | null; // null is the point at infinity

export const CURVES: Record<'P-256' | 'P-384', Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    g: {
      x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
      y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    },
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    g: {
      x: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
      y: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    },
  },
};

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Modular inverse by the extended Euclidean algorithm. */
function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}

function add(curve: Curve, P: Point, Q: Point): Point {
  if (P === null) return Q;
  if (Q === null) return P;
  const { p } = curve;
  if (P.x === Q.x && mod(P.y + Q.y, p) === 0n) return null;
  const lambda = P.x === Q.x && P.y === Q.y
    ? mod((3n * P.x * P.x - 3n) * inverse(2n * P.y, p), p) // a = -3 on the NIST curves
    : mod((Q.y - P.y) * inverse(mod(Q.x - P.x, p), p), p);
  const x = mod(lambda * lambda - P.x - Q.x, p);
  return { x, y: mod(lambda * (P.x - x) - P.y, p) };
}

export function multiply(curve: Curve, k: bigint, P: Point): Point {
  let result: Point = null;
  let addend = P;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(curve, result, addend);
    addend = add(curve, addend, addend);
  }
  return result;
}

export const toBigInt = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex')));

function jwk(key: KeyObject): Record<string, string> {
  return key.export({ format: 'jwk' }) as Record<string, string>;
}

/** The public point of an EC key, from its JWK. */
export function publicPoint(key: KeyObject): { x: bigint; y: bigint } {
  const { x, y } = jwk(key);
  return { x: toBigInt(Buffer.from(x!, 'base64url')), y: toBigInt(Buffer.from(y!, 'base64url')) };
}

/** The private scalar of an EC private key, from its JWK. */
export function privateScalar(key: KeyObject): bigint {
  return toBigInt(Buffer.from(jwk(key)['d']!, 'base64url'));
}

/** ECDSA verification of (r, s) over `digest` used directly as the hash value (digest no longer than the order). */
export function ecdsaVerifyDigest(curve: Curve, publicKey: { x: bigint; y: bigint }, digest: Uint8Array, r: bigint, s: bigint): boolean {
  const { n } = curve;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  const w = inverse(s, n);
  const z = toBigInt(digest);
  const X = add(curve, multiply(curve, mod(z * w, n), curve.g), multiply(curve, mod(r * w, n), publicKey));
  return X !== null && mod(X.x, n) === r;
}

function mgf1Sha256(seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * RSASSA-PSS verification (RFC 8017 9.1.2, SHA-256, MGF1-SHA-256) with `mHash` given directly.
 * @returns the salt length when valid, undefined when not.
 */
export function rsaPssVerifyDigest(publicKey: KeyObject, mHash: Uint8Array, signature: Uint8Array): number | undefined {
  const { n: nText, e: eText } = jwk(publicKey);
  const n = toBigInt(Buffer.from(nText!, 'base64url'));
  const e = toBigInt(Buffer.from(eText!, 'base64url'));
  const modBits = n.toString(2).length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const m = modPow(toBigInt(signature), e, n);
  const em = Buffer.from(m.toString(16).padStart(emLen * 2, '0'), 'hex');
  if (em.length !== emLen || em[emLen - 1] !== 0xbc) return undefined;
  const hLen = 32;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const mask = mgf1Sha256(h, maskedDb.length);
  const db = Buffer.from(maskedDb.map((byte, i) => byte ^ mask[i]!));
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const one = db.indexOf(0x01);
  if (one < 0 || db.subarray(0, one).some((byte) => byte !== 0)) return undefined;
  const salt = db.subarray(one + 1);
  const hPrime = createHash('sha256').update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return hPrime.equals(h) ? salt.length : undefined;
}
