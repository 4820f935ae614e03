/**
 * JWT-SVID helpers (go-spiffe's workloadapi.FetchJWTSVID, jwtsvid.ParseAndValidate and
 * workloadapi.ValidateJWTSVID): get a token for an audience, and check one received from a peer,
 * either locally against JWT bundles or by asking the Workload API.
 */
import type { Clock } from '@tspire/common';
import { JwtSvid, type JwtBundleSource, type JwtSvidSource, type SpiffeId } from '@tspire/spiffe';
import type { CallOptions, WorkloadApiClient } from '../client/types.js';
import { WorkloadError } from '../errors.js';

/** Anything that fetches JWT-SVIDs: a WorkloadApiClient or a JwtSource. */
export type JwtSvidFetcher = JwtSvidSource | Pick<WorkloadApiClient, 'fetchJwtSvid'>;

export interface FetchJwtSvidOptions extends CallOptions {
  /** Ask for this identity (default: the caller's first). */
  readonly spiffeId?: SpiffeId | string;
}

export interface ValidateJwtSvidOptions {
  /** The time exp/nbf/iat are checked at; default the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Allowed clock skew in seconds; default 60 (as go-spiffe and SPIRE). */
  readonly leewaySeconds?: number;
}

/**
 * Fetches a JWT-SVID for the audience (one value, or several: the first is the main one).
 * @throws WorkloadError ERR_WORKLOAD_BAD_REQUEST for an empty audience; what the fetcher throws.
 * @example
 * const svid = await fetchJwtSvid(jwtSource, 'spiffe://example.org/api');
 * await fetch(url, { headers: { authorization: `Bearer ${svid.token}` } });
 */
export async function fetchJwtSvid(
  from: JwtSvidFetcher,
  audience: string | readonly string[],
  options: FetchJwtSvidOptions = {},
): Promise<JwtSvid> {
  if (from == null || typeof from.fetchJwtSvid !== 'function') {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'fetchJwtSvid needs a WorkloadApiClient or a JwtSource');
  }
  const [first, ...extraAudiences] = audienceList(audience);
  const params = {
    audience: first!,
    ...(extraAudiences.length > 0 ? { extraAudiences } : {}),
    ...(options.spiffeId === undefined ? {} : { spiffeId: options.spiffeId }),
  };
  const callOptions: CallOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  // A JwtSource takes only params; a client also takes per-call options.
  return (from.fetchJwtSvid as (p: typeof params, o: CallOptions) => Promise<JwtSvid>).call(from, params, callOptions);
}

/**
 * Validates a token locally: signature against the JWT bundle of the token's trust domain
 * (from a JwtSource, a JwtBundleSet or a JwtBundle), `aud` containing one of `audience`, and
 * exp/nbf/iat with leeway (JwtSvid.parseAndValidate).
 * @throws SpiffeError ERR_JWT_* naming the first broken rule.
 * @example
 * const caller = await validateJwtSvidLocally(bearerToken(req.headers.authorization) ?? '', jwtSource, 'spiffe://example.org/api');
 * authorizeId('spiffe://example.org/web')(caller.id);
 */
export async function validateJwtSvidLocally(
  token: string,
  bundleSource: JwtBundleSource,
  audience: string | readonly string[],
  options: ValidateJwtSvidOptions = {},
): Promise<JwtSvid> {
  if (bundleSource == null || typeof bundleSource.getJwtBundleForTrustDomain !== 'function') {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'validateJwtSvidLocally needs a JWT bundle source (a JwtSource, a JwtBundleSet or a JwtBundle)');
  }
  return JwtSvid.parseAndValidate(token, bundleSource, audienceList(audience), {
    ...(options.clock === undefined ? {} : { now: options.clock.now() }),
    ...(options.leewaySeconds === undefined ? {} : { leewaySeconds: options.leewaySeconds }),
  });
}

/**
 * Asks the Workload API (the agent) to validate a token for one audience.
 * @throws WorkloadError ERR_WORKLOAD_API_INVALID_ARGUMENT when the agent finds the token invalid.
 * @example const caller = await validateJwtSvidWithWorkloadApi(client, token, 'spiffe://example.org/api');
 */
export async function validateJwtSvidWithWorkloadApi(
  client: Pick<WorkloadApiClient, 'validateJwtSvid'>,
  token: string,
  audience: string,
  options: CallOptions = {},
): Promise<JwtSvid> {
  if (client == null || typeof client.validateJwtSvid !== 'function') {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'validateJwtSvidWithWorkloadApi needs a WorkloadApiClient');
  }
  if (typeof token !== 'string' || token === '') throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'the token to validate is empty');
  const [first] = audienceList(audience);
  return client.validateJwtSvid(token, first!, options);
}

/**
 * The token of an `Authorization: Bearer <token>` header value, or undefined when there is none.
 * @example const token = bearerToken(req.headers.authorization);
 */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

function audienceList(audience: string | readonly string[]): string[] {
  const list = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? [...(audience as readonly string[])] : [];
  if (list.length === 0 || list.some((value) => typeof value !== 'string' || value === '')) {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'an audience is required: one or more non-empty strings');
  }
  return list;
}
