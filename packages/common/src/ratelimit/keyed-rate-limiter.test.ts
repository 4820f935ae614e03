import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTspireError } from '../errors/tspire-error.js';
import { FakeClock } from '../time/fake-clock.js';
import { KeyedRateLimiter } from './keyed-rate-limiter.js';

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key', async () => {
    const clock = new FakeClock(0);
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, clock });
    await limiter.wait('10.0.0.1', 1, { maxWaitMs: 0 });
    await limiter.wait('10.0.0.2', 1, { maxWaitMs: 0 });
    await assert.rejects(limiter.wait('10.0.0.1', 1, { maxWaitMs: 0 }), (err: unknown) => isTspireError(err, 'ERR_RESOURCE_EXHAUSTED'));
    assert.equal(limiter.size, 2);
  });

  it('sweeps idle (full) buckets once the sweep interval has passed, keeping busy ones', async () => {
    const clock = new FakeClock(0);
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 100, clock, sweepIntervalMs: 10_000 });
    await limiter.wait('a', 100);
    await limiter.wait('b', 1);
    clock.advance(5_000);
    await limiter.wait('c', 1);
    assert.equal(limiter.size, 3, 'no sweep before the interval');
    clock.advance(5_000);
    await limiter.wait('d', 1); // due: b and c are full again, a is at 10/100
    assert.deepEqual(limiter.size, 2);
    assert.equal(limiter.bucket('a').tokens(), 10, 'a busy bucket must keep its state');
  });

  it('never holds more than maxKeys buckets, dropping the least recently used', async () => {
    const clock = new FakeClock(0);
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, clock, maxKeys: 2 });
    await limiter.wait('a', 1);
    await limiter.wait('b', 1);
    limiter.bucket('a'); // a is now more recent than b
    await limiter.wait('c', 1);
    assert.equal(limiter.size, 2);
    // a kept its empty bucket; b was dropped and starts over full
    await assert.rejects(limiter.wait('a', 1, { maxWaitMs: 0 }));
    await limiter.wait('b', 1, { maxWaitMs: 0 });
  });

  it('rejects a bad maxKeys', () => {
    assert.throws(() => new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, clock: new FakeClock(0), maxKeys: 0 }), /maxKeys must be an integer >= 1, got 0/);
  });
});
