import type { KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import { SpiffeError, quote } from '../errors.js';
import type { SpiffeId } from '../id/spiffe-id.js';
import type { JwtBundle } from '../bundle/jwt-bundle.js';
import type { JwtBundleSource } from '../bundle/source.js';
import {
  DEFAULT_LEEWAY_SECONDS,
  checkAudience,
  checkClaims,
  checkHeader,
  checkKeyId,
  checkTimes,
  type JwtSvidClaims,
} from './jwt-svid-checks.js';

/** Options for parsing a JWT-SVID. */
export interface JwtSvidParseOptions {
  /** The time to check exp/nbf/iat against. Default: the current time, read once per call. */
  readonly now?: Date;
  /** Allowed clock skew in seconds for exp, nbf and iat. Default 60, as go-spiffe and SPIRE. */
  readonly leewaySeconds?: number;
}

/** The fields of a JwtSvid. */
export interface JwtSvidInit {
  readonly id: SpiffeId;
  readonly audience: readonly string[];
  readonly expiry: Date;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly token: string;
  readonly hint?: string;
}

/**
 * A JWT-SVID: a compact JWS whose `sub` is a SPIFFE ID. Build one with `parseAndValidate`
 * (signature checked against a JWT bundle source) or `parseInsecure` (for a token this process
 * just received from its own Workload API). The token is left out of toJSON/inspect output.
 * @example
 * const svid = await JwtSvid.parseAndValidate(token, bundles, ['spiffe://example.org/api']);
 * svid.id.toString(); // 'spiffe://example.org/client'
 */
export class JwtSvid {
  /** The SPIFFE ID from `sub`. */
  readonly id: SpiffeId;
  /** The token's `aud`, always as a list. */
  readonly audience: string[];
  /** `exp` as a Date. */
  readonly expiry: Date;
  /** Every claim of the token, as decoded. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The compact JWS itself; a bearer credential, never log it. */
  readonly token: string;
  /** The Workload API's hint for this SVID, if any. */
  readonly hint?: string;

  constructor(init: JwtSvidInit) {
    this.id = init.id;
    this.audience = [...init.audience];
    this.expiry = init.expiry;
    this.claims = init.claims;
    this.token = init.token;
    if (init.hint !== undefined) this.hint = init.hint;
  }

  /**
   * Parses a token and validates it fully: alg, typ, claims, sub, exp, kid, the key of the
   * sub's trust domain from `bundleSource`, the signature, then aud (at least one of
   * `audience`, which must not be empty) and exp/nbf/iat with leeway.
   * @throws SpiffeError with an ERR_JWT_* code naming the first broken rule.
   */
  static async parseAndValidate(
    token: string,
    bundleSource: JwtBundleSource,
    audience: readonly string[],
    options: JwtSvidParseOptions = {},
  ): Promise<JwtSvid> {
    const { now, leewaySeconds } = checkOptions(audience, options);
    const header = checkHeader(token);
    const claims = checkClaims(token);
    const keyId = checkKeyId(header);
    const key = findKey(bundleSource, claims.id, keyId);
    try {
      await compactVerify(token, key, { algorithms: [header.alg] });
    } catch (cause) {
      throw new SpiffeError(
        'ERR_JWT_BAD_SIGNATURE',
        `token signature does not verify with JWT authority ${quote(keyId, 64)} of trust domain "${claims.id.trustDomain.name}"`,
        { cause },
      );
    }
    return finish(token, claims, audience, now, leewaySeconds);
  }

  /**
   * Parses a token and checks everything except the signature (no kid, bundle or key lookup).
   * Only for tokens from a trusted channel, e.g. the Workload API's FetchJWTSVID answer.
   * @throws SpiffeError with an ERR_JWT_* code naming the first broken rule.
   */
  static parseInsecure(token: string, audience: readonly string[], options: JwtSvidParseOptions = {}): JwtSvid {
    const { now, leewaySeconds } = checkOptions(audience, options);
    checkHeader(token);
    return finish(token, checkClaims(token), audience, now, leewaySeconds);
  }

  /** The compact JWS, as go's Marshal. */
  marshal(): string {
    return this.token;
  }

  /** A log-safe view: everything but the token. */
  toJSON(): Record<string, unknown> {
    const view: Record<string, unknown> = { id: this.id.toString(), audience: this.audience, expiry: this.expiry.toISOString() };
    if (this.hint !== undefined) view['hint'] = this.hint;
    return view;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `JwtSvid ${JSON.stringify(this.toJSON())}`;
  }
}

/** Validates the caller's arguments; `new Date()` is read here, once, only when `now` is not given. */
function checkOptions(audience: readonly string[], options: JwtSvidParseOptions): { now: Date; leewaySeconds: number } {
  if (!Array.isArray(audience) || audience.length === 0) {
    throw new SpiffeError('ERR_JWT_NO_AUDIENCE', 'at least one expected audience is required to validate a JWT-SVID');
  }
  const leewaySeconds = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (!Number.isFinite(leewaySeconds) || leewaySeconds < 0) {
    throw new SpiffeError('ERR_JWT_BAD_OPTIONS', `leewaySeconds must be a non-negative number, got ${leewaySeconds}`);
  }
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new SpiffeError('ERR_JWT_BAD_OPTIONS', 'now must be a valid Date');
  }
  return { now, leewaySeconds };
}

/** Steps 7-8: the bundle of the sub's trust domain, then the key by kid. */
function findKey(bundleSource: JwtBundleSource, id: SpiffeId, keyId: string): KeyObject {
  const trustDomain = id.trustDomain;
  let bundle: JwtBundle;
  try {
    bundle = bundleSource.getJwtBundleForTrustDomain(trustDomain);
  } catch (cause) {
    throw new SpiffeError('ERR_JWT_NO_BUNDLE', `no JWT bundle found for trust domain "${trustDomain.name}"`, { cause });
  }
  const key = bundle.findJwtAuthority(keyId);
  if (key === undefined) {
    throw new SpiffeError('ERR_JWT_UNKNOWN_KID', `no JWT authority ${quote(keyId, 64)} found for trust domain "${trustDomain.name}"`);
  }
  return key;
}

/** Step 10 and the result. */
function finish(token: string, claims: JwtSvidClaims, audience: readonly string[], now: Date, leewaySeconds: number): JwtSvid {
  checkAudience(claims.audience, audience);
  checkTimes(claims, now, leewaySeconds);
  return new JwtSvid({
    id: claims.id,
    audience: claims.audience,
    expiry: new Date(claims.exp * 1000),
    claims: claims.all,
    token,
  });
}
