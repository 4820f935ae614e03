import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCursor } from './event-cursor.js';

const ev = (...ids: number[]) => ids.map((eventId) => ({ eventId }));
const idsOf = (events: readonly { eventId: number }[]) => events.map((e) => e.eventId);
const cursor = (maxSkipped = 100) => new EventCursor({ graceMs: 1000, maxSkipped });

describe('EventCursor', () => {
  it('starts from a listing: position = highest id, holes between listed ids skipped', () => {
    const c = cursor();
    c.reset([7, 3, 4, 9], 0);
    assert.equal(c.lastId, 9);
    assert.deepEqual(c.skippedIds(), [5, 6, 8]);
    c.reset([], 0);
    assert.equal(c.lastId, 0);
    assert.deepEqual(c.skippedIds(), []);
  });

  it('keeps only the newest holes of a listing when there are too many', () => {
    const c = cursor(3);
    c.reset([1, 10], 0);
    assert.deepEqual(c.skippedIds(), [7, 8, 9]);
  });

  it('returns new events, records holes, and moves only on commit', () => {
    const c = cursor();
    c.reset([1, 2], 0);
    const first = c.accept(ev(5, 3, 3), 10);
    assert.deepEqual(idsOf(first.fresh), [3, 5]);
    assert.equal(c.lastId, 2, 'nothing moves before commit');
    first.commit();
    assert.equal(c.lastId, 5);
    assert.deepEqual(c.skippedIds(), [4]);
    const again = c.accept(ev(3, 5, 6), 20);
    assert.deepEqual(idsOf(again.fresh), [6], 'ids already seen are not returned twice');
  });

  it('returns a skipped id when it shows up late, once', () => {
    const c = cursor();
    c.reset([10, 12], 0);
    assert.deepEqual(c.recheckRanges(), [{ greaterThanEventId: 10, lessThanEventId: 12 }]);
    const late = c.accept(ev(11, 13), 5);
    assert.deepEqual(idsOf(late.fresh), [11, 13]);
    late.commit();
    assert.deepEqual(c.skippedIds(), []);
    assert.deepEqual(idsOf(c.accept(ev(11), 6).fresh), []);
  });

  it('merges nearby skipped runs into one re-check range and splits distant ones', () => {
    const c = new EventCursor({ graceMs: 1000, maxSkipped: 1000, mergeDistance: 3 });
    c.reset(Array.from({ length: 50 }, (_, i) => i + 1).filter((id) => ![2, 4, 40].includes(id)), 0);
    assert.deepEqual(c.skippedIds(), [2, 4, 40]);
    const ranges = c.recheckRanges();
    assert.deepEqual(ranges, [{ greaterThanEventId: 1, lessThanEventId: 5 }, { greaterThanEventId: 39, lessThanEventId: 41 }]);
    // every skipped id lies inside some range
    for (const id of c.skippedIds()) assert.ok(ranges.some((r) => r.greaterThanEventId < id && id < r.lessThanEventId), `id ${id}`);
  });

  it('gives up skipped ids after the grace period, counted from when each was noticed', () => {
    const c = cursor();
    c.reset([1, 3], 0);
    c.accept(ev(5), 600).commit();
    assert.deepEqual(c.skippedIds(), [2, 4]);
    assert.deepEqual(c.expire(1000), [], 'exactly the grace period is still waited for');
    assert.deepEqual(c.expire(1001), [2]);
    assert.deepEqual(c.expire(1601), [4]);
    assert.deepEqual(c.skippedIds(), []);
  });

  it('gives up the oldest skipped ids beyond the cap, even for one huge jump', () => {
    const c = cursor(5);
    c.reset([1], 0);
    const jump = c.accept(ev(1_000_000_000), 0);
    assert.equal(jump.commit(), 1_000_000_000 - 2 - 5, 'only the newest holes of the jump are tracked');
    assert.deepEqual(c.skippedIds(), [999_999_995, 999_999_996, 999_999_997, 999_999_998, 999_999_999]);
    assert.equal(c.accept(ev(1_000_000_002), 0).commit(), 1);
    assert.deepEqual(c.skippedIds(), [999_999_996, 999_999_997, 999_999_998, 999_999_999, 1_000_000_001]);
    assert.equal(c.lastId, 1_000_000_002);
  });

  it('tracks the holes below the first event seen after an empty start', () => {
    const c = cursor();
    c.reset([], 0);
    c.accept(ev(4), 0).commit();
    assert.deepEqual(c.skippedIds(), [1, 2, 3]);
    const pruned = cursor(2);
    pruned.reset([], 0);
    assert.equal(pruned.accept(ev(50_000), 0).commit(), 0, 'ids below the first event seen are not reported as given up');
    assert.deepEqual(pruned.skippedIds(), [49_998, 49_999]);
  });

  it('across a reload keeps when a hole was noticed and does not revive holes given up', () => {
    const c = cursor();
    c.reset([1, 3, 5, 7], 0);
    assert.deepEqual(c.expire(1001), [2, 4, 6]);
    c.accept(ev(9), 1000).commit();
    c.reset([1, 3, 5, 7, 9, 11], 1500);
    assert.deepEqual(c.skippedIds(), [8, 10], 'given-up 2, 4, 6 stay given up; 10 is new');
    assert.deepEqual(c.expire(2001), [8], 'noticed at 1000, not at the reload');
  });
});
