/**
 * JWT-SVIDs as JWS compact, built by hand on node:crypto (jose's SignJWT re-encodes the header
 * and re-imports the key per token). The header is encoded once per key.
 */
import { randomBytes as nodeRandomBytes, sign, type KeyObject } from 'node:crypto';
import { TrustDomain } from '@tspire/spiffe';
import { checkSvidId } from './svid-id.js';
import type { RandomBytes } from './certificate-builder.js';
import { CaError } from './errors.js';

export type JwsAlgorithm = 'ES256' | 'ES384' | 'RS256';

const KID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A JWT key id as SPIRE makes them: 32 random characters of [a-zA-Z0-9] (unbiased). */
export function newKeyId(randomBytes: RandomBytes = nodeRandomBytes): string {
  let kid = '';
  while (kid.length < 32) {
    for (const byte of randomBytes(48)) {
      // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
      if (byte < 248 && kid.length < 32) kid += KID_ALPHABET[byte % 62];
    }
  }
  return kid;
}

/**
 * A `jti` as SPIRE makes them (spire-compat 3.6): a random (version 4) UUID, its 16 bytes
 * base64url-encoded without padding (22 characters).
 */
export function newJwtId(randomBytes: RandomBytes = nodeRandomBytes): string {
  const uuid = Buffer.from(randomBytes(16));
  if (uuid.length !== 16) throw new RangeError(`randomBytes returned ${uuid.length} bytes, expected 16`);
  uuid[6] = (uuid[6]! & 0x0f) | 0x40; // version 4
  uuid[8] = (uuid[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return uuid.toString('base64url');
}

/** ES256 for P-256, ES384 for P-384, RS256 for RSA, as SPIRE. */
export function jwsAlgorithmFor(key: KeyObject): JwsAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
    if (key.asymmetricKeyDetails?.namedCurve === 'secp384r1') return 'ES384';
  }
  throw new CaError('ERR_CA_UNSUPPORTED_KEY_TYPE', 'JWT signing keys must be EC P-256, EC P-384 or RSA');
}

export interface JwtSvidSignerOptions {
  trustDomain: string;
  privateKey: KeyObject;
  /** The key's `kid` (published in the JWT bundle). */
  keyId: string;
  /** Key expiry, unix seconds: tokens never outlive it. */
  notAfter: number;
  /** `jwt_issuer`: sets the `iss` claim when given. */
  issuer?: string;
  /** Randomness for `jti` (default node:crypto randomBytes). */
  randomBytes?: RandomBytes;
}

export interface JwtSvidParams {
  spiffeId: string;
  /** One or more audiences; always emitted as an array. */
  audience: readonly string[];
  ttlSeconds: number;
  /** Unix seconds. */
  now: number;
  /** Adds a `jti` claim, a fresh random UUID (entries with jwt_svid_include_jti). */
  includeJti?: boolean;
}

export interface SignedJwtSvid {
  token: string;
  /** Unix seconds. */
  issuedAt: number;
  expiresAt: number;
}

/**
 * Signs JWT-SVIDs with one key.
 * @example
 * const signer = new JwtSvidSigner({ trustDomain: 'example.org', privateKey, keyId, notAfter });
 * signer.sign({ spiffeId: 'spiffe://example.org/web', audience: ['db'], ttlSeconds: 300, now });
 */
export class JwtSvidSigner {
  readonly algorithm: JwsAlgorithm;
  readonly keyId: string;
  readonly notAfter: number;
  readonly #trustDomain: TrustDomain;
  readonly #privateKey: KeyObject;
  readonly #digest: 'sha256' | 'sha384';
  readonly #headerPrefix: string;
  readonly #issuer: string | undefined;
  readonly #randomBytes: RandomBytes;

  constructor(options: JwtSvidSignerOptions) {
    this.algorithm = jwsAlgorithmFor(options.privateKey);
    this.keyId = options.keyId;
    this.notAfter = options.notAfter;
    this.#trustDomain = TrustDomain.parse(options.trustDomain);
    this.#privateKey = options.privateKey;
    this.#digest = this.algorithm === 'ES384' ? 'sha384' : 'sha256';
    this.#issuer = options.issuer;
    this.#randomBytes = options.randomBytes ?? nodeRandomBytes;
    const header = JSON.stringify({ alg: this.algorithm, kid: options.keyId, typ: 'JWT' });
    this.#headerPrefix = Buffer.from(header).toString('base64url') + '.';
  }

  sign(params: JwtSvidParams): SignedJwtSvid {
    const sub = checkSvidId(params.spiffeId, this.#trustDomain, 'JWT-SVID');
    const audience = [...params.audience];
    if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) {
      throw new CaError('ERR_CA_INVALID_SVID_REQUEST', 'JWT-SVID audience must be one or more non-empty strings');
    }
    if (!Number.isInteger(params.ttlSeconds) || params.ttlSeconds <= 0) {
      throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `JWT-SVID TTL must be a positive whole number of seconds, got ${params.ttlSeconds}`);
    }
    const iat = Math.floor(params.now);
    if (iat >= this.notAfter) {
      throw new CaError('ERR_CA_EXPIRED', `JWT signing key ${this.keyId} expired at ${new Date(this.notAfter * 1000).toISOString()}`);
    }
    const exp = Math.min(iat + params.ttlSeconds, this.notAfter);
    const claims: Record<string, unknown> = { aud: audience, exp, iat };
    if (this.#issuer !== undefined) claims['iss'] = this.#issuer;
    if (params.includeJti === true) claims['jti'] = newJwtId(this.#randomBytes);
    claims['sub'] = sub;
    const signingInput = this.#headerPrefix + Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign(this.#digest, Buffer.from(signingInput, 'latin1'), { key: this.#privateKey, dsaEncoding: 'ieee-p1363' });
    return { token: signingInput + '.' + signature.toString('base64url'), issuedAt: iat, expiresAt: exp };
  }
}
