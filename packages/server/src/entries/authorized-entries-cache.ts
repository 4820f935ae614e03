// The server's authorized-entries cache: every entry and every agent's node selectors in memory
// (entry-index.ts), loaded once, then kept current by polling the datastore's entry and node
// event feeds (event-cursor.ts handles ids that commit out of order). A periodic full reload is
// the backstop for anything the feeds could not tell (holes older than the grace period).
// Servers sharing one database each run their own cache; the shared event tables carry every
// server's writes to all of them.
import type { Clock } from '@tspire/common';
import type { TrustDomain } from '@tspire/spiffe';
import type { AuthorizedEntriesView, ApiLogger } from '../api/deps.js';
import type { DataStore } from '../datastore/datastore.js';
import type { EntryEvent, ListEventsRequest, NodeEvent, RegistrationEntry, Selector } from '../datastore/types.js';
import { EntryIndex } from './entry-index.js';
import { EntriesError } from './errors.js';
import { EventCursor, type AcceptResult } from './event-cursor.js';

/** The datastore calls the cache makes. */
export type CacheDatastore = Pick<
  DataStore,
  'listEntries' | 'fetchEntries' | 'listEntryEvents' | 'listNodeEvents' | 'listNodeSelectors' | 'getNodeSelectors'
>;

export interface AuthorizedEntriesCacheOptions {
  datastore: CacheDatastore;
  /** time for expiry and grace periods; `after` drives polling (a FakeClock in tests) */
  clock: Pick<Clock, 'nowMs' | 'after'>;
  logger?: ApiLogger;
  trustDomain: TrustDomain;
  /** how often the event feeds are polled; default 1000 */
  pollIntervalMs?: number;
  /** how often everything is reloaded as a backstop; default 24h */
  fullReloadIntervalMs?: number;
  /** how long an event id skipped by the feed is re-checked; default 15 min */
  eventGraceMs?: number;
  /** skipped ids tracked per feed (the oldest are given up beyond it); default 10,000 */
  maxSkippedEvents?: number;
  /** page size of the full load's entry listing; default 10,000 */
  loadPageSize?: number;
}

export interface AuthorizedEntriesCacheStats {
  entries: number;
  nodes: number;
  lastEntryEventId: number;
  lastNodeEventId: number;
  skippedEntryEventIds: number[];
  skippedNodeEventIds: number[];
  lastFullLoadMs: number;
  fullLoads: number;
}

export interface AuthorizedEntriesCache extends AuthorizedEntriesView {
  /** Loads everything (event positions first, so nothing is missed) and starts polling. */
  start(): Promise<void>;
  /** Polls both event feeds once now and applies what changed (after any poll in flight). */
  refresh(): Promise<void>;
  /** Reloads everything now (after any poll in flight). */
  reload(): Promise<void>;
  /** Resolves once the poll or reload in flight (if any) has finished. */
  idle(): Promise<void>;
  /** Stops polling; later reads throw ERR_ENTRIES_CACHE_NOT_READY. */
  close(): Promise<void>;
  stats(): AuthorizedEntriesCacheStats;
}

const silentLogger: ApiLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * @example
 * const cache = createAuthorizedEntriesCache({ datastore, clock: systemClock, logger, trustDomain });
 * await cache.start();
 * const entries = cache.authorizedEntries('spiffe://example.org/spire/agent/x509pop/abc');
 */
export function createAuthorizedEntriesCache(options: AuthorizedEntriesCacheOptions): AuthorizedEntriesCache {
  const { datastore: ds, clock, trustDomain } = options;
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = positive(options.pollIntervalMs ?? 1000, 'pollIntervalMs');
  const fullReloadIntervalMs = positive(options.fullReloadIntervalMs ?? 24 * 3600_000, 'fullReloadIntervalMs');
  const cursorOptions = {
    graceMs: positive(options.eventGraceMs ?? 15 * 60_000, 'eventGraceMs'),
    maxSkipped: positive(options.maxSkippedEvents ?? 10_000, 'maxSkippedEvents'),
  };
  const loadPageSize = positive(options.loadPageSize ?? 10_000, 'loadPageSize');
  const serverId = `spiffe://${trustDomain.name}/spire/server`;

  let index: EntryIndex | undefined;
  const entryCursor = new EventCursor(cursorOptions);
  const nodeCursor = new EventCursor(cursorOptions);
  let lastFullLoadMs = 0;
  let fullLoads = 0;
  let closed = false;
  let cancelTimer: (() => void) | undefined;
  let chain: Promise<void> = Promise.resolve();

  const nowSeconds = (): number => Math.floor(clock.nowMs() / 1000);

  function ready(): EntryIndex {
    if (index === undefined || closed) {
      throw new EntriesError('ERR_ENTRIES_CACHE_NOT_READY', closed ? 'authorized-entries cache is closed' : 'authorized-entries cache is not loaded yet');
    }
    return index;
  }

  /** Runs jobs one at a time, so a poll never interleaves with another poll or a reload. */
  function serialized(job: () => Promise<void>): Promise<void> {
    const run = chain.then(job);
    chain = run.catch(() => {});
    return run;
  }

  async function listAllEntries(): Promise<RegistrationEntry[]> {
    const all: RegistrationEntry[] = [];
    let pageToken = '';
    do {
      const page = await ds.listEntries({ pageSize: loadPageSize, pageToken });
      all.push(...page.entries);
      pageToken = page.entries.length === 0 ? '' : page.nextPageToken;
    } while (pageToken !== '');
    return all;
  }

  async function fullLoad(): Promise<void> {
    const startedMs = clock.nowMs();
    // Positions first: a change committed after this point is in the feeds, one committed
    // before it is in the listings; one in flight below it is a hole the cursors track.
    const entryEvents = await ds.listEntryEvents();
    const nodeEvents = await ds.listNodeEvents();
    const entries = await listAllEntries();
    const nodeSelectors = await ds.listNodeSelectors();
    const fresh = new EntryIndex(serverId);
    for (const entry of entries) fresh.upsertEntry(entry);
    for (const [agentId, selectors] of nodeSelectors) fresh.setNodeSelectors(agentId, selectors);
    // Swapped in one synchronous step, and only once every read succeeded.
    entryCursor.reset(entryEvents.map((e) => e.eventId), startedMs);
    nodeCursor.reset(nodeEvents.map((e) => e.eventId), startedMs);
    index = fresh;
    lastFullLoadMs = startedMs;
    fullLoads++;
    logger.debug('authorized-entries cache loaded', { entries: fresh.entryCount, nodes: fresh.nodeCount });
  }

  /** The events above the position plus any skipped ids that have shown up since. */
  async function readFeed<E extends { eventId: number }>(
    cursor: EventCursor,
    list: (request: ListEventsRequest) => Promise<E[]>,
    nowMs: number,
  ): Promise<AcceptResult<E>> {
    const events = await list({ greaterThanEventId: cursor.lastId });
    for (const range of cursor.recheckRanges()) events.push(...(await list(range)));
    return cursor.accept(events, nowMs);
  }

  async function poll(): Promise<void> {
    const current = ready();
    const nowMs = clock.nowMs();
    const entryFeed = await readFeed<EntryEvent>(entryCursor, (r) => ds.listEntryEvents(r), nowMs);
    const nodeFeed = await readFeed<NodeEvent>(nodeCursor, (r) => ds.listNodeEvents(r), nowMs);
    const entryIds = [...new Set(entryFeed.fresh.map((e) => e.entryId))];
    const nodeIds = [...new Set(nodeFeed.fresh.map((e) => e.spiffeId))];
    // Fetch everything first, then apply in one synchronous step: readers never see half a poll.
    const fetched = entryIds.length === 0 ? [] : await ds.fetchEntries(entryIds);
    const selectors = new Map<string, Selector[]>();
    for (const nodeId of nodeIds) selectors.set(nodeId, await ds.getNodeSelectors(nodeId));
    const found = new Map(fetched.map((e) => [e.id, e]));
    for (const id of entryIds) {
      const entry = found.get(id);
      if (entry === undefined) current.removeEntry(id);
      else current.upsertEntry(entry);
    }
    for (const [nodeId, nodeSelectors] of selectors) current.setNodeSelectors(nodeId, nodeSelectors);
    const dropped = entryFeed.commit() + nodeFeed.commit();
    if (dropped > 0) {
      // Only ids still missing after this poll's re-check are dropped; the full reload covers them.
      logger.warn('authorized-entries cache: too many skipped event ids; gave up the oldest', { dropped, maxSkipped: cursorOptions.maxSkipped });
    }
    expireSkipped(nowMs);
  }

  function expireSkipped(nowMs: number): void {
    const entryIds = entryCursor.expire(nowMs);
    const nodeIds = nodeCursor.expire(nowMs);
    if (entryIds.length + nodeIds.length > 0) {
      // Usually rolled-back transactions; anything else is covered by the next full reload.
      logger.debug('authorized-entries cache: gave up waiting for skipped event ids', { entryEventIds: entryIds.length, nodeEventIds: nodeIds.length });
    }
  }

  function schedule(): void {
    if (closed) return;
    cancelTimer = clock.after(pollIntervalMs, () => {
      cancelTimer = undefined;
      const reloadDue = clock.nowMs() - lastFullLoadMs >= fullReloadIntervalMs;
      serialized(reloadDue ? fullLoad : poll)
        .catch((err: unknown) => {
          logger.warn(reloadDue ? 'authorized-entries cache: full reload failed' : 'authorized-entries cache: poll failed', { error: String(err) });
        })
        .finally(schedule);
    });
  }

  const view = {
    authorizedEntries: (agentId: string) => ready().authorizedEntries(agentId, nowSeconds()),
    authorizedEntry: (agentId: string, entryId: string) => ready().authorizedEntry(agentId, entryId, nowSeconds()),
    entriesBySpiffeId: (spiffeId: string) => ready().entriesBySpiffeId(spiffeId, nowSeconds()),
  };

  return {
    ...view,
    async start() {
      if (closed) throw new EntriesError('ERR_ENTRIES_CACHE_NOT_READY', 'authorized-entries cache is closed');
      if (index !== undefined) return;
      await serialized(fullLoad);
      schedule();
    },
    refresh: () => serialized(poll),
    reload: () => serialized(async () => { ready(); await fullLoad(); }),
    idle: () => chain,
    async close() {
      closed = true;
      cancelTimer?.();
      cancelTimer = undefined;
      await chain;
    },
    stats: () => ({
      entries: index?.entryCount ?? 0,
      nodes: index?.nodeCount ?? 0,
      lastEntryEventId: entryCursor.lastId,
      lastNodeEventId: nodeCursor.lastId,
      skippedEntryEventIds: entryCursor.skippedIds(),
      skippedNodeEventIds: nodeCursor.skippedIds(),
      lastFullLoadMs,
      fullLoads,
    }),
  };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
