import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTspireError } from '../errors/tspire-error.js';
import { FakeClock } from '../time/fake-clock.js';
import { TokenBucket } from './token-bucket.js';

const exhausted = (message: RegExp) => (err: unknown) => {
  assert.ok(isTspireError(err, 'ERR_RESOURCE_EXHAUSTED'), String(err));
  assert.match(err.message, message);
  return true;
};

/** Tracks whether a promise has settled, without waiting for it. */
function track(promise: Promise<void>): { settled: () => boolean; promise: Promise<void> } {
  let done = false;
  const tracked = promise.then(() => { done = true; }, (err: unknown) => { done = true; throw err; });
  return { settled: () => done, promise: tracked };
}

describe('TokenBucket', () => {
  it('grants the burst at once, then one token per 1/rate seconds', async () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, clock });
    for (let i = 0; i < 3; i++) await bucket.wait(1);
    assert.equal(bucket.tokens(), 0);
    const next = track(bucket.wait(1));
    await clock.advanceAsync(99);
    assert.equal(next.settled(), false, 'granted before the token accrued');
    await clock.advanceAsync(1);
    assert.equal(next.settled(), true);
    await next.promise;
  });

  it('refills up to the burst and no further', () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 4, clock });
    assert.equal(bucket.reserve(4), 0);
    clock.advance(1000);
    assert.equal(bucket.tokens(), 2);
    clock.advance(60_000);
    assert.equal(bucket.tokens(), 4);
    assert.equal(bucket.isIdle(), true);
  });

  it('queues reservations: each waiter waits behind the previous ones', () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    assert.equal(bucket.reserve(1), 0);
    assert.equal(bucket.reserve(1), 1000);
    assert.equal(bucket.reserve(1), 2000);
    assert.equal(bucket.isIdle(), false);
  });

  it('fails at once, reserving nothing, when the wait would exceed maxWaitMs', async () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    await bucket.wait(1);
    await assert.rejects(bucket.wait(1, { maxWaitMs: 999 }), exhausted(/1 token\(s\) would take 1000 ms, longer than the 999 ms/));
    assert.equal(bucket.tokens(), 0, 'a refused request must not consume tokens');
    const ok = track(bucket.wait(1, { maxWaitMs: 1000 }));
    await clock.advanceAsync(1000);
    await ok.promise;
  });

  it('refuses a request larger than the burst with SPIRE\'s message', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 500, burst: 500, clock: new FakeClock(0) });
    await assert.rejects(bucket.wait(501), exhausted(/^rate \(501\) exceeds burst size \(500\)$/));
    assert.equal(bucket.tokens(), 500);
    await bucket.wait(500);
    await bucket.wait(0);
    assert.equal(bucket.tokens(), 0);
  });

  it('gives the tokens back when the wait is aborted', async () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2, clock });
    await bucket.wait(2);
    const controller = new AbortController();
    const waiting = bucket.wait(2, { signal: controller.signal });
    assert.equal(bucket.tokens(), -2);
    controller.abort(new Error('deadline exceeded'));
    await assert.rejects(waiting, exhausted(/the call ended before 2 token\(s\) were available/));
    assert.equal(bucket.tokens(), 0);
    assert.equal(clock.pendingTimers(), 0, 'the aborted wait left a timer behind');
  });

  it('rejects bad settings and counts, naming them', () => {
    const clock = new FakeClock(0);
    assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 1, clock }), /ratePerSecond must be a positive number, got 0/);
    assert.throws(() => new TokenBucket({ ratePerSecond: 1, burst: 1.5, clock }), /burst must be an integer >= 1, got 1.5/);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    assert.throws(() => bucket.reserve(-1), /token count must be a non-negative integer, got -1/);
  });
});
