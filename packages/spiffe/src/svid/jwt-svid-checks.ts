/**
 * The individual JWT-SVID rules (JWT-SVID standard §2-3, go-spiffe jwtsvid order), each failing
 * with its own SpiffeError code. Messages quote untrusted values, bounded; never the token.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { SpiffeError, quote } from '../errors.js';
import { SpiffeId } from '../id/spiffe-id.js';

/** The only algorithms a JWT-SVID may use (none, HS*, EdDSA, ... are refused). */
export const JWT_SVID_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512',
]);

/** go-spiffe and SPIRE allow this much clock skew. */
export const DEFAULT_LEEWAY_SECONDS = 60;

/** Latest time a JS Date can hold, in seconds; NumericDates beyond it are refused. */
const MAX_DATE_SECONDS = 8.64e12;
const BASE64URL_PART = /^[A-Za-z0-9_-]*$/;

/** The protected header fields the rules look at. */
export interface JwtSvidHeader {
  readonly alg: string;
  readonly kid: unknown;
}

/** Steps 1-2: compact JWS with a JSON header, allowed alg, typ JWT/JOSE when present. */
export function checkHeader(token: string): JwtSvidHeader {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || !parts.every((p) => BASE64URL_PART.test(p)) || parts[0] === '' || parts[1] === '') {
    throw new SpiffeError('ERR_JWT_BAD_FORMAT', 'token is not a JWS Compact Serialization (header.payload.signature)');
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch (cause) {
    throw new SpiffeError('ERR_JWT_BAD_FORMAT', 'token header is not base64url-encoded JSON', { cause });
  }
  for (const name of ['crit', 'b64']) {
    if (name in header) throw new SpiffeError('ERR_JWT_BAD_FORMAT', `token header parameter "${name}" is not supported`);
  }
  const alg = header['alg'];
  if (typeof alg !== 'string' || !JWT_SVID_ALGORITHMS.includes(alg)) {
    const shown = typeof alg === 'string' ? quote(alg, 32) : 'missing';
    throw new SpiffeError('ERR_JWT_ALG_NOT_ALLOWED', `token alg ${shown} is not allowed; JWT-SVIDs use ${JWT_SVID_ALGORITHMS.join(', ')}`);
  }
  const typ = header['typ'];
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') {
    throw new SpiffeError('ERR_JWT_BAD_TYP', `token header typ ${quote(String(typ), 32)} is neither "JWT" nor "JOSE"`);
  }
  return { alg, kid: header['kid'] };
}

/** The registered claims a JWT-SVID needs, typed. */
export interface JwtSvidClaims {
  readonly all: Record<string, unknown>;
  readonly id: SpiffeId;
  readonly exp: number;
  readonly audience: string[];
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
}

/** Steps 3-5: claims decodable and well typed; sub and exp present; sub a SPIFFE ID. */
export function checkClaims(token: string): JwtSvidClaims {
  let all: Record<string, unknown>;
  try {
    all = decodeJwt(token);
  } catch (cause) {
    throw new SpiffeError('ERR_JWT_BAD_CLAIMS', 'token claims are not a base64url-encoded JSON object', { cause });
  }
  const sub = all['sub'];
  if (sub !== undefined && typeof sub !== 'string') throw badClaim('sub', 'a string');
  const exp = numericDate(all, 'exp');
  const nbf = numericDate(all, 'nbf');
  const iat = numericDate(all, 'iat');
  const audience = audienceClaim(all['aud']);
  if (sub === undefined || sub === '') throw new SpiffeError('ERR_JWT_MISSING_SUB', 'token is missing the sub claim');
  if (exp === undefined) throw new SpiffeError('ERR_JWT_MISSING_EXP', 'token is missing the exp claim');
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(sub);
  } catch (cause) {
    throw new SpiffeError('ERR_JWT_BAD_SUB', `token sub ${quote(sub, 128)} is not a valid SPIFFE ID: ${(cause as Error).message}`, { cause });
  }
  return { all, id, exp, audience, nbf, iat };
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_DATE_SECONDS) {
    throw badClaim(name, 'a NumericDate (seconds since the epoch)');
  }
  return value;
}

function audienceClaim(aud: unknown): string[] {
  if (aud === undefined) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string')) return [...aud];
  throw badClaim('aud', 'a string or an array of strings');
}

function badClaim(name: string, expected: string): SpiffeError {
  return new SpiffeError('ERR_JWT_BAD_CLAIMS', `token claim "${name}" must be ${expected}`);
}

/** Step 6: a non-empty kid (go and SPIRE require it, though the spec does not). */
export function checkKeyId(header: JwtSvidHeader): string {
  if (header.kid === undefined || header.kid === '') throw new SpiffeError('ERR_JWT_MISSING_KID', 'token header is missing the key ID (kid)');
  if (typeof header.kid !== 'string') throw new SpiffeError('ERR_JWT_BAD_FORMAT', 'token header kid must be a string');
  return header.kid;
}

/** Step 10a: at least one expected audience appears in the token's aud. */
export function checkAudience(tokenAudience: readonly string[], expected: readonly string[]): void {
  if (tokenAudience.length === 0) throw new SpiffeError('ERR_JWT_MISSING_AUD', 'token has no aud claim');
  if (!expected.some((a) => tokenAudience.includes(a))) {
    throw new SpiffeError('ERR_JWT_AUDIENCE_MISMATCH', `expected audience in ${list(expected)} (audience=${list(tokenAudience)})`);
  }
}

/** Step 10b: nbf, exp and iat against `now` with `leewaySeconds` of skew either way. */
export function checkTimes(claims: JwtSvidClaims, now: Date, leewaySeconds: number): void {
  const nowMs = now.getTime();
  const leewayMs = leewaySeconds * 1000;
  if (claims.nbf !== undefined && nowMs + leewayMs < claims.nbf * 1000) {
    throw new SpiffeError('ERR_JWT_NOT_YET_VALID', `token is not valid yet: nbf ${iso(claims.nbf)} is after now ${now.toISOString()} plus ${leewaySeconds}s leeway`);
  }
  if (nowMs - leewayMs > claims.exp * 1000) {
    throw new SpiffeError('ERR_JWT_EXPIRED', `token has expired: exp ${iso(claims.exp)} is before now ${now.toISOString()} minus ${leewaySeconds}s leeway`);
  }
  if (claims.iat !== undefined && nowMs + leewayMs < claims.iat * 1000) {
    throw new SpiffeError('ERR_JWT_ISSUED_IN_FUTURE', `token was issued in the future: iat ${iso(claims.iat)} is after now ${now.toISOString()} plus ${leewaySeconds}s leeway`);
  }
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function list(values: readonly string[]): string {
  const shown = values.slice(0, 8).map((v) => quote(v, 64));
  if (values.length > 8) shown.push(`...(${values.length} in all)`);
  return `[${shown.join(', ')}]`;
}
