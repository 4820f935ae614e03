/**
 * ValidateJWTSVID's core: full JWT-SVID validation against the bundles the caller may use, and
 * the claims as the response's google.protobuf.Struct.
 * - Bundles: the own trust domain's plus the federated ones of the caller's matching entries
 *   (a caller without identity validates own-trust-domain tokens only).
 * - Claims: every claim of an own-trust-domain token. A foreign token's claims are filtered
 *   through an allow-list (SPIRE's `allowed_foreign_jwt_claims`), since a foreign authority
 *   may assert anything: the registered JWT claims are always kept.
 * - `aud` is returned as a list even when the token has a single string (as SPIRE).
 */
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { JwtBundleSet, JwtSvid, SpiffeError, type SpiffeBundle, type TrustDomain } from '@tspire/spiffe';

/** RFC 7519 §4.1 registered claims: kept for tokens of any trust domain. */
export const REGISTERED_JWT_CLAIMS: readonly string[] = Object.freeze(['aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'sub']);

export interface ValidateJwtSvidOptions {
  /** The agent's own trust domain: its tokens keep every claim. */
  readonly trustDomain: TrustDomain;
  /** Bundles to validate with (own plus the caller's federated ones). */
  readonly bundles: readonly SpiffeBundle[];
  readonly now: Date;
  /** Extra claims kept for foreign-trust-domain tokens. */
  readonly allowedForeignClaims: ReadonlySet<string>;
}

export interface ValidatedJwtSvid {
  readonly spiffeId: string;
  readonly claims: JsonObject;
}

/**
 * @throws ConnectError INVALID_ARGUMENT with the reason when the token is not a valid JWT-SVID
 *   for `audience` (SPIRE answers the same code).
 */
export async function validateJwtSvid(token: string, audience: string, options: ValidateJwtSvidOptions): Promise<ValidatedJwtSvid> {
  const bundles = new JwtBundleSet(options.bundles.map((bundle) => bundle.jwtBundle()));
  let svid: JwtSvid;
  try {
    svid = await JwtSvid.parseAndValidate(token, bundles, [audience], { now: options.now });
  } catch (err) {
    if (err instanceof SpiffeError) throw new ConnectError(err.message, Code.InvalidArgument);
    throw err;
  }
  const foreign = !svid.id.memberOf(options.trustDomain);
  const kept = Object.entries(svid.claims)
    .filter(([name]) => !foreign || REGISTERED_JWT_CLAIMS.includes(name) || options.allowedForeignClaims.has(name))
    .map(([name, value]): [string, JsonValue] => [name, name === 'aud' ? [...svid.audience] : (value as JsonValue)]);
  // fromEntries defines own properties, so a `__proto__` claim stays a plain claim.
  return { spiffeId: svid.id.toString(), claims: Object.fromEntries(kept) as JsonObject };
}
