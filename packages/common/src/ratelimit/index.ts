/** Rate limiting: a waiting token bucket and a bounded per-key (per-IP) map of them. */
export { TokenBucket, rateLimitExceeded, type TokenBucketOptions, type WaitOptions } from './token-bucket.js';
export { KeyedRateLimiter, DEFAULT_MAX_RATE_LIMIT_KEYS, type KeyedRateLimiterOptions } from './keyed-rate-limiter.js';
