// SPIRE's per-IP rate limits on the TCP endpoint (admin socket callers are never limited).
// A call over the limit waits for tokens until its deadline (30 s when it has none) and fails
// with ResourceExhausted only when it cannot get them in time or asks for more than the burst.
// Runs after authorization, as SPIRE's middleware does.
import type { Interceptor } from '@connectrpc/connect';
import { KeyedRateLimiter, type Clock } from '@tspire/common';
import type { svidv1 } from '@tspire/proto';
import { methodPath } from './authorization.js';
import { callerOf } from './caller.js';

/** The server config's `ratelimit {}` block. */
export interface RateLimitConfig {
  /** AttestAgent 1/s per IP */
  attestation: boolean;
  /** X.509 and JWT signing 500/s per IP */
  signing: boolean;
}

export interface RateLimitInterceptorOptions {
  limits: RateLimitConfig;
  clock: Pick<Clock, 'nowMs' | 'sleep'>;
  /** longest wait for a call without a deadline; default 30 s */
  noDeadlineWaitMs?: number;
  /** bound on tracked IPs per limiter */
  maxKeys?: number;
}

export const ATTEST_LIMIT_PER_IP = 1;
export const SIGN_LIMIT_PER_IP = 500;
export const PUBLISH_KEY_LIMIT_PER_IP = 500;
export const POST_STATUS_LIMIT_PER_IP = 10;
export const DEFAULT_NO_DEADLINE_WAIT_MS = 30_000;

/** How many tokens a call costs: 1, or one per item of a batch. */
type Cost = (message: unknown) => number;
const ONE: Cost = () => 1;
const PER_X509_PARAM: Cost = (message) => (message as svidv1.BatchNewX509SVIDRequest).params.length;
const PER_WIT_PARAM: Cost = (message) => (message as svidv1.BatchNewWITSVIDRequest).params.length;

interface MethodLimit {
  limiter: KeyedRateLimiter;
  cost: Cost;
}

const SVID = 'spire.api.server.svid.v1.SVID';
const AGENT = 'spire.api.server.agent.v1.Agent';
const BUNDLE = 'spire.api.server.bundle.v1.Bundle';

/** The limits by full method; each group shares one per-IP limiter, as in SPIRE. */
export function rateLimitTable(options: RateLimitInterceptorOptions): ReadonlyMap<string, MethodLimit> {
  const perIp = (rate: number) => new KeyedRateLimiter({
    ratePerSecond: rate, burst: rate, clock: options.clock, ...(options.maxKeys !== undefined ? { maxKeys: options.maxKeys } : {}),
  });
  const table = new Map<string, MethodLimit>();
  if (options.limits.attestation) table.set(`/${AGENT}/AttestAgent`, { limiter: perIp(ATTEST_LIMIT_PER_IP), cost: ONE });
  if (options.limits.signing) {
    const x509 = perIp(SIGN_LIMIT_PER_IP);
    table.set(`/${SVID}/BatchNewX509SVID`, { limiter: x509, cost: PER_X509_PARAM });
    table.set(`/${AGENT}/RenewAgent`, { limiter: x509, cost: ONE });
    table.set(`/${SVID}/NewDownstreamX509CA`, { limiter: x509, cost: ONE });
    const jwt = perIp(SIGN_LIMIT_PER_IP);
    table.set(`/${SVID}/NewJWTSVID`, { limiter: jwt, cost: ONE });
    table.set(`/${SVID}/BatchNewWITSVID`, { limiter: jwt, cost: PER_WIT_PARAM });
  }
  const publish = perIp(PUBLISH_KEY_LIMIT_PER_IP);
  table.set(`/${BUNDLE}/PublishJWTAuthority`, { limiter: publish, cost: ONE });
  table.set(`/${BUNDLE}/PublishWITAuthority`, { limiter: publish, cost: ONE });
  table.set(`/${AGENT}/PostStatus`, { limiter: perIp(POST_STATUS_LIMIT_PER_IP), cost: ONE });
  return table;
}

/**
 * @example
 * const interceptors = [errorInterceptor(logger), authorizationInterceptor(roles), rateLimitInterceptor({ limits, clock })];
 */
export function rateLimitInterceptor(options: RateLimitInterceptorOptions): Interceptor {
  const table = rateLimitTable(options);
  const noDeadlineWaitMs = options.noDeadlineWaitMs ?? DEFAULT_NO_DEADLINE_WAIT_MS;
  return (next) => async (req) => {
    const limit = table.get(methodPath(req.service.typeName, req.method.name));
    const caller = callerOf(req.contextValues);
    if (limit === undefined || caller.kind !== 'tls') return next(req);
    // A stream (AttestAgent) costs one token when it starts.
    const count = req.stream ? 1 : limit.cost(req.message);
    const maxWaitMs = deadlineMs(req.header) ?? noDeadlineWaitMs;
    await limit.limiter.wait(caller.remoteAddress, count, { maxWaitMs, signal: req.signal });
    return next(req);
  };
}

const GRPC_TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** The call's timeout from `grpc-timeout` (gRPC) or `connect-timeout-ms` (Connect), if any. */
export function deadlineMs(header: Headers): number | undefined {
  const grpc = header.get('grpc-timeout');
  if (grpc !== null) {
    const match = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    return match === null ? undefined : Number(match[1]) * GRPC_TIMEOUT_UNIT_MS[match[2]!]!;
  }
  const connect = header.get('connect-timeout-ms');
  if (connect !== null && /^\d{1,10}$/.test(connect)) return Number(connect);
  return undefined;
}
