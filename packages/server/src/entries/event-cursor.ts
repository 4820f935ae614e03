// Where a consumer of one datastore event feed stands, handling the GAP CAVEAT of
// datastore/sql/event-store.ts: event ids are taken before commit, so on PostgreSQL id 11 can
// become visible after 12. The cursor remembers the highest id seen and every id skipped below
// it (with when it was first noticed); skipped ids are re-read on each poll until they show up
// or are older than the grace period (rolled-back transactions leave permanent holes; a late
// commit after that is covered by the periodic full reload).
//
// Known limit: at a (re)load, ids below the first listed event are not tracked (normally they
// are pruned events); a transaction in flight across that boundary waits for the next reload.

/** An event id range for ListEventsRequest (both bounds exclusive). */
export interface EventRange {
  greaterThanEventId: number;
  lessThanEventId: number;
}

export interface EventCursorOptions {
  /** how long a skipped id is re-checked before it is given up */
  graceMs: number;
  /**
   * At most this many skipped ids are tracked; beyond it the lowest (oldest, least likely
   * still in flight) are given up early.
   */
  maxSkipped: number;
  /** skipped runs closer than this are re-read with one query */
  mergeDistance?: number;
}

export interface AcceptResult<E> {
  /** events not seen before, in id order */
  fresh: E[];
  /**
   * Moves the cursor past these events and returns how many skipped ids were given up early
   * (over maxSkipped). Call it only once their changes are applied, so a failed fetch leaves
   * the cursor where it was and the next poll reads them again.
   */
  commit(): number;
}

export class EventCursor {
  #lastId = 0;
  readonly #skipped = new Map<number, number>();
  readonly #options: Required<EventCursorOptions>;

  constructor(options: EventCursorOptions) {
    this.#options = { mergeDistance: 64, ...options };
  }

  get lastId(): number {
    return this.#lastId;
  }

  /** Skipped ids (ascending), for tests and diagnostics. */
  skippedIds(): number[] {
    return [...this.#skipped.keys()].sort((a, b) => a - b);
  }

  /**
   * Starts over from a full listing of the feed (taken BEFORE the data it accompanies): the
   * highest id becomes the position; holes between listed ids are skipped ids, except those at
   * or below the old position that were not being waited for (seen, or given up, before).
   * Ids below the first listed one were pruned. Newest holes first when there are too many.
   */
  reset(eventIds: readonly number[], nowMs: number): void {
    const sorted = [...new Set(eventIds)].sort((a, b) => a - b);
    const previous = new Map(this.#skipped);
    const previousLastId = this.#lastId;
    this.#skipped.clear();
    for (let i = sorted.length - 1; i > 0 && this.#skipped.size < this.#options.maxSkipped; i--) {
      const low = sorted[i - 1] as number;
      for (let id = (sorted[i] as number) - 1; id > low && this.#skipped.size < this.#options.maxSkipped; id--) {
        if (id > previousLastId) this.#skipped.set(id, nowMs);
        else if (previous.has(id)) this.#skipped.set(id, previous.get(id) as number);
      }
    }
    this.#lastId = sorted.at(-1) ?? 0;
  }

  /**
   * Ranges that cover the skipped ids, nearby runs merged, for re-reading them. Each range may
   * also return ids already seen; accept() drops those.
   */
  recheckRanges(): EventRange[] {
    const ranges: EventRange[] = [];
    let start: number | undefined;
    let end = 0;
    for (const id of this.skippedIds()) {
      if (start !== undefined && id - end <= this.#options.mergeDistance) {
        end = id;
        continue;
      }
      if (start !== undefined) ranges.push({ greaterThanEventId: start - 1, lessThanEventId: end + 1 });
      start = id;
      end = id;
    }
    if (start !== undefined) ranges.push({ greaterThanEventId: start - 1, lessThanEventId: end + 1 });
    return ranges;
  }

  /**
   * Plans one poll's events (any order, duplicates allowed): `fresh` are those not seen before
   * (skipped ids that showed up, ids above the position); commit() then records the new holes,
   * forgets the skipped ids that showed up and moves the position. Nothing changes before commit.
   */
  accept<E extends { eventId: number }>(events: readonly E[], nowMs: number): AcceptResult<E> {
    const sorted = [...events].sort((a, b) => a.eventId - b.eventId);
    const fresh: E[] = [];
    const newGaps: number[] = [];
    const seen = new Set<number>();
    let last = this.#lastId;
    let truncated = 0;
    for (const event of sorted) {
      const id = event.eventId;
      if (seen.has(id)) continue;
      seen.add(id);
      if (id <= last) {
        if (this.#skipped.has(id)) fresh.push(event);
        continue;
      }
      // Newest first and at most maxSkipped of them: a huge jump must not allocate per id.
      const oldestTracked = Math.max(last + 1, id - this.#options.maxSkipped);
      for (let gap = id - 1; gap >= oldestTracked; gap--) newGaps.push(gap);
      // From an empty start the ids below the first event are most likely pruned: not a loss.
      if (last > 0) truncated += oldestTracked - (last + 1);
      last = id;
      fresh.push(event);
    }
    const commit = (): number => {
      for (const event of fresh) this.#skipped.delete(event.eventId);
      for (const gap of newGaps) this.#skipped.set(gap, nowMs);
      this.#lastId = Math.max(this.#lastId, last);
      const excess = Math.max(0, this.#skipped.size - this.#options.maxSkipped);
      for (const id of this.skippedIds().slice(0, excess)) this.#skipped.delete(id);
      return truncated + excess;
    };
    return { fresh, commit };
  }

  /** Gives up skipped ids first noticed more than the grace period ago; returns them. */
  expire(nowMs: number): number[] {
    const expired: number[] = [];
    for (const [id, firstNoticedMs] of this.#skipped) {
      if (nowMs - firstNoticedMs > this.#options.graceMs) expired.push(id);
    }
    for (const id of expired) this.#skipped.delete(id);
    return expired.sort((a, b) => a - b);
  }
}
