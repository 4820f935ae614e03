import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialBackoff, LinearBackoff } from './backoff.js';

test('exponential backoff grows to the cap with full jitter from the injected source', () => {
  const draws = [0.5, 0.5, 0.5, 0.5, 0.5, 0.999, 0];
  const backoff = new ExponentialBackoff({ initialMs: 1_000, maxMs: 10_000, random: () => draws.shift() ?? 0 });
  const ceilings: number[] = [];
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    ceilings.push(backoff.ceiling());
    delays.push(backoff.next());
  }
  assert.deepEqual(ceilings, [1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  assert.deepEqual(delays, [500, 1_000, 2_000, 4_000, 5_000, 9_990, 0]);
  backoff.reset();
  assert.equal(backoff.ceiling(), 1_000);
});

test('exponential backoff honours a custom multiplier and rejects bad options', () => {
  const backoff = new ExponentialBackoff({ initialMs: 100, maxMs: 1_000, multiplier: 3, random: () => 0.99999 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next()], [99, 299, 899, 999]);
  assert.throws(() => new ExponentialBackoff({ initialMs: 0, maxMs: 1 }), RangeError);
  assert.throws(() => new ExponentialBackoff({ initialMs: 10, maxMs: 5 }), RangeError);
  assert.throws(() => new ExponentialBackoff({ initialMs: 1, maxMs: 5, multiplier: 0.5 }), RangeError);
});

test('linear backoff adds one step per attempt up to the cap', () => {
  const backoff = new LinearBackoff({ stepMs: 5_000, maxMs: 12_000 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next()], [5_000, 10_000, 12_000, 12_000]);
  backoff.reset();
  assert.equal(backoff.next(), 5_000);
  assert.throws(() => new LinearBackoff({ stepMs: 0, maxMs: 1 }), RangeError);
});
