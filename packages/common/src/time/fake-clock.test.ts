import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.js';
import { MAX_TIMER_MS, createSystemClock, systemClock } from './clock.js';

test('advance fires due timers in order, with now() at each due time', () => {
  const clock = new FakeClock(1_000);
  const fired: [string, number][] = [];
  clock.after(300, () => fired.push(['c', clock.nowMs()]));
  clock.after(100, () => fired.push(['a', clock.nowMs()]));
  clock.after(100, () => fired.push(['b', clock.nowMs()]));
  clock.after(500, () => fired.push(['late', clock.nowMs()]));
  clock.advance(300);
  assert.deepEqual(fired, [['a', 1_100], ['b', 1_100], ['c', 1_300]]);
  assert.equal(clock.nowMs(), 1_300);
  assert.equal(clock.pendingTimers(), 1);
  assert.equal(clock.nextDueMs(), 1_500);
});

test('timers scheduled by callbacks fire within the same advance window', () => {
  const clock = new FakeClock(0);
  const ticks: number[] = [];
  const tick = (): void => {
    ticks.push(clock.nowMs());
    clock.after(10, tick);
  };
  clock.after(10, tick);
  clock.advance(35);
  assert.deepEqual(ticks, [10, 20, 30]);
  assert.equal(clock.nowMs(), 35);
});

test('cancel removes a timer and is idempotent', () => {
  const clock = new FakeClock();
  let fired = false;
  const cancel = clock.after(5, () => (fired = true));
  cancel();
  cancel();
  clock.advance(10);
  assert.equal(fired, false);
  assert.equal(clock.pendingTimers(), 0);
});

test('sleep resolves when time passes; advanceAsync lets sleep loops run', async () => {
  const clock = new FakeClock(0);
  const wakes: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(100);
      wakes.push(clock.nowMs());
    }
  })();
  await clock.advanceAsync(250);
  assert.deepEqual(wakes, [100, 200]);
  await clock.advanceAsync(50);
  await loop;
  assert.deepEqual(wakes, [100, 200, 300]);
});

test('synchronous advance resolves sleep, continuations run afterwards', async () => {
  const clock = new FakeClock(0);
  let woke = false;
  const sleeping = clock.sleep(10).then(() => (woke = true));
  clock.advance(10);
  assert.equal(woke, false);
  await sleeping;
  assert.equal(woke, true);
});

test('sleep rejects on abort and leaves no timer', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(1_000, controller.signal);
  assert.equal(clock.pendingTimers(), 1);
  controller.abort(new Error('stopping'));
  await assert.rejects(sleeping, /stopping/);
  assert.equal(clock.pendingTimers(), 0);
  await assert.rejects(clock.sleep(1, AbortSignal.abort(new Error('already'))), /already/);
});

test('setMs moves forward only; now() is a Date of the current time', () => {
  const clock = new FakeClock(new Date('2024-05-01T00:00:00Z'));
  clock.setMs(Date.parse('2024-05-01T00:01:00Z'));
  assert.equal(clock.now().toISOString(), '2024-05-01T00:01:00.000Z');
  assert.throws(() => clock.setMs(0), /backwards/);
});

test('systemClock reads real time and cancels real timers', async () => {
  const before = Date.now();
  assert.ok(systemClock.nowMs() >= before);
  assert.ok(systemClock.now() instanceof Date);
  let fired = false;
  const cancel = systemClock.after(0, () => (fired = true));
  cancel();
  await systemClock.sleep(0);
  assert.equal(fired, false);
  await assert.rejects(systemClock.sleep(10_000, AbortSignal.abort(new Error('nope'))), /nope/);
});

test('system clock chains delays longer than Node timers allow', () => {
  // Timer functions driven by a FakeClock record what the system clock asks for.
  const fake = new FakeClock(0);
  const requested: number[] = [];
  const clock = createSystemClock({
    now: () => fake.nowMs(),
    setTimeout: (cb, ms) => {
      requested.push(ms);
      return fake.after(ms, cb);
    },
    clearTimeout: (cancel) => (cancel as () => void)(),
  });
  const fortyDays = 40 * 24 * 3_600_000;
  let firedAt: number | undefined;
  clock.after(fortyDays, () => (firedAt = fake.nowMs()));
  fake.advance(MAX_TIMER_MS);
  assert.equal(firedAt, undefined);
  fake.advance(fortyDays - MAX_TIMER_MS);
  assert.equal(firedAt, fortyDays);
  assert.deepEqual(requested, [MAX_TIMER_MS, fortyDays - MAX_TIMER_MS]);
  assert.ok(requested.every((ms) => ms <= MAX_TIMER_MS));
  // Cancelling between chained timers stops the chain.
  let fired = false;
  const cancel = clock.after(fortyDays, () => (fired = true));
  fake.advance(MAX_TIMER_MS + 1);
  cancel();
  fake.advance(fortyDays);
  assert.equal(fired, false);
  assert.equal(fake.pendingTimers(), 0);
});
