/**
 * One token bucket per key (e.g. per source IP) in a bounded map. A full bucket is the same as
 * a fresh one, so idle buckets are dropped by a sweep at most every `sweepIntervalMs`; when the
 * map is at `maxKeys`, the least recently used bucket goes (its key starts over full: under a
 * flood of distinct keys the limit per key loosens rather than memory growing).
 */
import type { Clock } from '../time/clock.js';
import { TokenBucket, validateLimits, type WaitOptions } from './token-bucket.js';

export interface KeyedRateLimiterOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly clock: Pick<Clock, 'nowMs' | 'sleep'>;
  /** most buckets kept at once (default 65,536) */
  readonly maxKeys?: number;
  /** how often idle buckets are swept (default 60 s) */
  readonly sweepIntervalMs?: number;
}

export const DEFAULT_MAX_RATE_LIMIT_KEYS = 65_536;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/**
 * @example
 * const perIp = new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, clock });
 * await perIp.wait(remoteAddress, 1, { maxWaitMs: 30_000, signal });
 */
export class KeyedRateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #clock: KeyedRateLimiterOptions['clock'];
  readonly #maxKeys: number;
  readonly #sweepIntervalMs: number;
  /** insertion order = recency order (a used key is moved to the end) */
  readonly #buckets = new Map<string, TokenBucket>();
  #lastSweepMs: number;

  constructor(options: KeyedRateLimiterOptions) {
    validateLimits(options.ratePerSecond, options.burst);
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_RATE_LIMIT_KEYS;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError(`rate limit maxKeys must be an integer >= 1, got ${maxKeys}`);
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.#clock = options.clock;
    this.#maxKeys = maxKeys;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.#lastSweepMs = options.clock.nowMs();
  }

  /** Waits for `count` tokens of `key`'s bucket; see TokenBucket.wait for the failures. */
  wait(key: string, count: number, options: WaitOptions = {}): Promise<void> {
    return this.bucket(key).wait(count, options);
  }

  /** How many keys have a bucket. */
  get size(): number {
    return this.#buckets.size;
  }

  /** The bucket of `key`, created full when missing, and marked most recently used. */
  bucket(key: string): TokenBucket {
    this.#sweepIfDue();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#makeRoom();
      bucket = new TokenBucket({ ratePerSecond: this.ratePerSecond, burst: this.burst, clock: this.#clock });
    } else {
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /** Drops every idle (full) bucket; returns how many went. */
  sweep(): number {
    this.#lastSweepMs = this.#clock.nowMs();
    let dropped = 0;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.isIdle()) {
        this.#buckets.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  #sweepIfDue(): void {
    if (this.#clock.nowMs() - this.#lastSweepMs >= this.#sweepIntervalMs) this.sweep();
  }

  /** O(1): the least recently used bucket goes (usually idle anyway; a full sweep per insert would be O(n)). */
  #makeRoom(): void {
    const oldest = this.#buckets.keys().next();
    if (oldest.done !== true) this.#buckets.delete(oldest.value);
  }
}
