/**
 * Injected time. Code that waits, schedules or reads the time takes a Clock so tests can use
 * FakeClock and advance time instead of sleeping.
 */

export interface Clock {
  now(): Date;
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /**
   * Resolves after `ms`. Rejects with `signal.reason` if the signal aborts first (or already
   * has), and then leaves no timer behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once after `ms`; the returned function cancels it (idempotent). */
  after(ms: number, callback: () => void): () => void;
}

/** Builds `sleep` from `after`, so every clock aborts the same way. */
export function sleepWith(after: Clock['after'], ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The timer functions a system clock uses (injectable so tests need not wait). */
export interface TimerApi {
  readonly now: () => number;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

/** Node clamps longer setTimeout delays to 1 ms, so longer waits are chained. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A Clock on real timers; delays above MAX_TIMER_MS (~24.8 days) are split into chained timers. */
export function createSystemClock(timers: TimerApi): Clock {
  const clock: Clock = {
    now: () => new Date(timers.now()),
    nowMs: () => timers.now(),
    sleep: (ms, signal) => sleepWith(clock.after, ms, signal),
    after(ms, callback) {
      const dueMs = timers.now() + (Number.isFinite(ms) || ms === Infinity ? Math.max(0, ms) : 0);
      let handle: unknown;
      let cancelled = false;
      const arm = (): void => {
        const remaining = dueMs - timers.now();
        if (remaining > MAX_TIMER_MS) handle = timers.setTimeout(arm, MAX_TIMER_MS);
        else handle = timers.setTimeout(() => !cancelled && callback(), Math.max(0, remaining));
      };
      if (dueMs !== Infinity) arm();
      return () => {
        cancelled = true;
        if (handle !== undefined) timers.clearTimeout(handle);
      };
    },
  };
  return clock;
}

/** The real clock (Date.now and setTimeout). Only the CLI composition root should use it directly. */
export const systemClock: Clock = createSystemClock({
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
