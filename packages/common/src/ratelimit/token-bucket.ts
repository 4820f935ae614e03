/**
 * A token bucket that waits: tokens accrue at `ratePerSecond` up to `burst`; a caller asking
 * for n tokens reserves them at once (the balance may go negative) and waits until the
 * reservation is covered. It fails without waiting when it cannot be covered in time (the
 * call's deadline) or when n exceeds the burst, and gives the tokens back when its wait is
 * aborted. Time comes from the injected clock, so tests advance a FakeClock.
 */
import type { Clock } from '../time/clock.js';
import { TspireError } from '../errors/tspire-error.js';

export interface TokenBucketOptions {
  /** tokens added per second (> 0) */
  readonly ratePerSecond: number;
  /** the most tokens the bucket holds, and the largest single request (integer >= 1) */
  readonly burst: number;
  readonly clock: Pick<Clock, 'nowMs' | 'sleep'>;
}

export interface WaitOptions {
  /** longest acceptable wait; a reservation needing more fails at once (default: unlimited) */
  readonly maxWaitMs?: number;
  /** aborting it (call cancelled, deadline reached) ends the wait and returns the tokens */
  readonly signal?: AbortSignal;
}

/** ERR_RESOURCE_EXHAUSTED: what every refusal of a rate limiter throws. */
export function rateLimitExceeded(message: string, cause?: unknown): TspireError<'ERR_RESOURCE_EXHAUSTED'> {
  return new TspireError('ERR_RESOURCE_EXHAUSTED', message, cause === undefined ? undefined : { cause });
}

/**
 * @example
 * const bucket = new TokenBucket({ ratePerSecond: 500, burst: 500, clock });
 * await bucket.wait(batch.length, { maxWaitMs: 30_000, signal });
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #clock: TokenBucketOptions['clock'];
  #tokens: number;
  #updatedMs: number;

  constructor(options: TokenBucketOptions) {
    validateLimits(options.ratePerSecond, options.burst);
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.#clock = options.clock;
    this.#tokens = options.burst;
    this.#updatedMs = options.clock.nowMs();
  }

  /** Tokens available now (negative while reservations wait). */
  tokens(): number {
    this.#refill(this.#clock.nowMs());
    return this.#tokens;
  }

  /** True when the bucket is full, i.e. indistinguishable from a new one (safe to drop). */
  isIdle(): boolean {
    return this.tokens() >= this.burst;
  }

  /**
   * Resolves once `count` tokens are granted. Rejects with ERR_RESOURCE_EXHAUSTED when `count`
   * exceeds the burst, when the wait would exceed `maxWaitMs`, or when `signal` aborts.
   */
  async wait(count: number, options: WaitOptions = {}): Promise<void> {
    const waitMs = this.reserve(count, options.maxWaitMs ?? Infinity);
    if (waitMs === 0) return;
    try {
      await this.#clock.sleep(waitMs, options.signal);
    } catch (err) {
      this.#giveBack(count);
      throw rateLimitExceeded(`rate limit: the call ended before ${count} token(s) were available`, err);
    }
  }

  /**
   * Reserves `count` tokens now and returns how long the caller must wait for them (0 = go).
   * Throws ERR_RESOURCE_EXHAUSTED, reserving nothing, when that wait would exceed `maxWaitMs`.
   */
  reserve(count: number, maxWaitMs = Infinity): number {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`token count must be a non-negative integer, got ${count}`);
    if (count === 0) return 0;
    if (count > this.burst) throw rateLimitExceeded(`rate (${count}) exceeds burst size (${this.burst})`);
    this.#refill(this.#clock.nowMs());
    const remaining = this.#tokens - count;
    const waitMs = remaining >= 0 ? 0 : Math.ceil((-remaining * 1000) / this.ratePerSecond);
    if (waitMs > maxWaitMs) {
      throw rateLimitExceeded(`rate limit: ${count} token(s) would take ${waitMs} ms, longer than the ${Math.max(0, Math.floor(maxWaitMs))} ms the call may wait`);
    }
    this.#tokens = remaining;
    return waitMs;
  }

  #giveBack(count: number): void {
    this.#refill(this.#clock.nowMs());
    this.#tokens = Math.min(this.burst, this.#tokens + count);
  }

  #refill(nowMs: number): void {
    const elapsedMs = nowMs - this.#updatedMs;
    if (elapsedMs <= 0) return; // a clock that goes backwards adds nothing
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.#updatedMs = nowMs;
  }
}

export function validateLimits(ratePerSecond: number, burst: number): void {
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) throw new RangeError(`rate limit ratePerSecond must be a positive number, got ${ratePerSecond}`);
  if (!Number.isSafeInteger(burst) || burst < 1) throw new RangeError(`rate limit burst must be an integer >= 1, got ${burst}`);
}
