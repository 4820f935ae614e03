/**
 * Retry delays. Randomness is injected (`random` returns [0, 1)) so tests are exact.
 */

export interface Backoff {
  /** The delay before the next attempt, in milliseconds. */
  next(): number;
  /** Back to the first delay (call after a success). */
  reset(): void;
}

export interface ExponentialBackoffOptions {
  /** Upper bound of the first delay. */
  readonly initialMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /** Growth per attempt (default 2). */
  readonly multiplier?: number;
  /** Uniform random source in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/**
 * Exponential backoff with full jitter: attempt n waits uniform(0, min(max, initial * m^n)).
 * @example
 * const backoff = new ExponentialBackoff({ initialMs: 1000, maxMs: 30_000 });
 * await clock.sleep(backoff.next());
 */
export class ExponentialBackoff implements Backoff {
  private attempt = 0;
  private readonly multiplier: number;
  private readonly random: () => number;

  constructor(private readonly options: ExponentialBackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError('backoff needs 0 < initialMs <= maxMs');
    }
    this.multiplier = options.multiplier ?? 2;
    if (!(this.multiplier >= 1)) throw new RangeError('backoff multiplier must be >= 1');
    this.random = options.random ?? Math.random;
  }

  /** The cap for the current attempt, before jitter. */
  ceiling(): number {
    return Math.min(this.options.maxMs, this.options.initialMs * this.multiplier ** this.attempt);
  }

  next(): number {
    const ceiling = this.ceiling();
    if (ceiling < this.options.maxMs) this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}

export interface LinearBackoffOptions {
  /** Added to the delay on each attempt; the first delay is one step. */
  readonly stepMs: number;
  readonly maxMs: number;
}

/** Linear backoff without jitter: step, 2*step, 3*step, ... capped at max (agent-style retry). */
export class LinearBackoff implements Backoff {
  private attempt = 0;

  constructor(private readonly options: LinearBackoffOptions) {
    if (!(options.stepMs > 0) || !(options.maxMs >= options.stepMs)) throw new RangeError('backoff needs 0 < stepMs <= maxMs');
  }

  next(): number {
    this.attempt++;
    return Math.min(this.options.maxMs, this.options.stepMs * this.attempt);
  }

  reset(): void {
    this.attempt = 0;
  }
}
