/**
 * A Clock that only moves when a test says so.
 *
 * - `advance(ms)` is synchronous: it moves time forward, firing every timer that falls due, in
 *   due-time order (ties in scheduling order), with `now()` equal to each timer's due time while
 *   it runs. Timers scheduled by those callbacks fire too if they fall inside the window.
 *   Promises resolved by callbacks (e.g. `sleep`) settle afterwards, in the microtask queue.
 * - `await advanceAsync(ms)` does the same but lets pending promise continuations run after each
 *   timer (it waits for the microtask queue to drain via setImmediate, which does not depend on
 *   time), so `await clock.sleep(...)` loops progress as they would in real time.
 *
 * @example
 * const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
 * const rotated = rotator.run(clock); // awaits clock.sleep(...) internally
 * await clock.advanceAsync(60_000);
 */
import type { Clock } from './clock.js';
import { sleepWith } from './clock.js';

interface Timer {
  readonly dueMs: number;
  readonly seq: number;
  readonly callback: () => void;
}

const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private currentMs: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start: number | Date = Date.UTC(2024, 0, 1)) {
    this.currentMs = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.currentMs);
  }

  nowMs(): number {
    return this.currentMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith((d, cb) => this.after(d, cb), ms, signal);
  }

  after(ms: number, callback: () => void): () => void {
    const delay = Number.isNaN(ms) ? 0 : Math.max(0, ms); // Infinity: never fires
    const timer: Timer = { dueMs: this.currentMs + delay, seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** How many timers are waiting (useful to assert a loop is parked on the clock). */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** When the next timer falls due, or undefined when none is scheduled. */
  nextDueMs(): number | undefined {
    return this.nextTimer()?.dueMs;
  }

  /** Moves time forward by `ms`, firing due timers synchronously (see class docs). */
  advance(ms: number): void {
    const target = this.currentMs + Math.max(0, ms);
    for (let timer = this.takeDue(target); timer !== undefined; timer = this.takeDue(target)) {
      this.currentMs = timer.dueMs;
      timer.callback();
    }
    this.currentMs = target;
  }

  /** Like advance, letting promise continuations run after each timer and at the end. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.currentMs + Math.max(0, ms);
    await drainMicrotasks();
    for (let timer = this.takeDue(target); timer !== undefined; timer = this.takeDue(target)) {
      this.currentMs = timer.dueMs;
      timer.callback();
      await drainMicrotasks();
    }
    this.currentMs = target;
    await drainMicrotasks();
  }

  /** Sets the time (forward only, firing timers as advance does). */
  setMs(ms: number): void {
    if (ms < this.currentMs) throw new Error('FakeClock cannot go backwards');
    this.advance(ms - this.currentMs);
  }

  private nextTimer(): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.timers) {
      if (next === undefined || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq)) next = t;
    }
    return next;
  }

  private takeDue(target: number): Timer | undefined {
    const next = this.nextTimer();
    if (next === undefined || next.dueMs > target) return undefined;
    this.timers = this.timers.filter((t) => t !== next);
    return next;
  }
}
