import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock, isTspireError } from '@tspire/common';
import { TrustDomain } from '@tspire/spiffe';
import { openDatastore } from '../datastore/open.js';
import type { SqlDatastore } from '../datastore/sql/sql-datastore.js';
import { createAuthorizedEntriesCache, type AuthorizedEntriesCache, type AuthorizedEntriesCacheOptions } from './authorized-entries-cache.js';
import { SERVER, TD, agentNode, commit, controlled, ids, inFlight, sel, type ControlledDatastore } from './cache.test-helper.js';

const AGENT = `${TD}/spire/agent/x509pop/a1`;
const OTHER = `${TD}/spire/agent/x509pop/a2`;
const START_MS = 1_700_000_000_000;
const GRACE_MS = 60_000;
const RELOAD_MS = 120_000;

interface Fixture {
  ds: SqlDatastore;
  control: ControlledDatastore;
  clock: FakeClock;
  cache: AuthorizedEntriesCache;
}

async function withCache(fn: (f: Fixture) => Promise<void>, options: Partial<AuthorizedEntriesCacheOptions> = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-entries-'));
  const clock = new FakeClock(START_MS);
  const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: join(dir, 'ds.sqlite3'), now: () => clock.nowMs() / 1000 });
  const control = controlled(ds);
  const cache = createAuthorizedEntriesCache({
    datastore: control, clock, trustDomain: TrustDomain.parse('example.org'),
    pollIntervalMs: 1000, eventGraceMs: GRACE_MS, fullReloadIntervalMs: RELOAD_MS, ...options,
  });
  try {
    await fn({ ds, control, clock, cache });
  } finally {
    await cache.close();
    await ds.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const workload = (parentId: string, path: string, extra: Record<string, unknown> = {}) =>
  ({ parentId, spiffeId: `${TD}${path}`, selectors: [sel('unix', `uid:${path.length}`)], ...extra });

describe('authorized-entries cache', () => {
  it('loads entries and node selectors at start; refuses reads before start and after close', () => withCache(async ({ ds, cache }) => {
    const alias = await ds.createEntry({ parentId: SERVER, spiffeId: `${TD}/group`, selectors: [sel('x509pop', 'subject:cn:n1')] });
    const direct = await ds.createEntry(workload(AGENT, '/direct'));
    const grouped = await ds.createEntry(workload(`${TD}/group`, '/grouped'));
    await ds.createAttestedNode(agentNode(AGENT, [sel('x509pop', 'subject:cn:n1')], START_MS / 1000 + 3600));
    assert.throws(() => cache.authorizedEntries(AGENT), (err) => isTspireError(err, 'ERR_ENTRIES_CACHE_NOT_READY') && /not loaded yet/.test(err.message));
    await assert.rejects(cache.refresh(), /not loaded yet/);
    await cache.start();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [direct.id, grouped.id].sort());
    assert.equal(cache.authorizedEntry(AGENT, alias.id), undefined);
    assert.deepEqual(cache.entriesBySpiffeId(`${TD}/group`).map((e) => e.id), [alias.id]);
    assert.equal(cache.stats().nodes, 1);
    await cache.close();
    assert.throws(() => cache.authorizedEntries(AGENT), /closed/);
  }));

  it('reads the event positions before the listings, so a write in between is not lost', () => withCache(async ({ ds, control, cache }) => {
    let late = '';
    control.afterNextListing = async () => { late = (await ds.createEntry(workload(AGENT, '/late'))).id; };
    await cache.start();
    assert.deepEqual(control.calls.slice(0, 4), ['listEntryEvents', 'listNodeEvents', 'listEntries', 'listNodeSelectors']);
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [], 'the listing was taken before the write');
    await cache.refresh();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [late]);
  }));

  it('applies creates, updates that move the parent, and deletes, fetching only what changed', () => withCache(async ({ ds, control, cache }) => {
    const kept = await ds.createEntry(workload(AGENT, '/kept'));
    const moving = await ds.createEntry(workload(AGENT, '/moving'));
    const gone = await ds.createEntry(workload(AGENT, '/gone'));
    await cache.start();
    const child = await ds.createEntry(workload(`${TD}/moving`, '/child'));
    await ds.updateEntry({ ...moving, parentId: OTHER }, ['parentId']);
    await ds.deleteEntry(gone.id);
    control.calls.length = 0;
    await cache.refresh();
    assert.deepEqual(control.calls.filter((c) => c.startsWith('fetchEntries') || c === 'listEntries'),
      [`fetchEntries:${[child.id, moving.id, gone.id].sort().join(',')}`]);
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [kept.id]);
    assert.deepEqual(ids(cache.authorizedEntries(OTHER)), [child.id, moving.id].sort(), 'the moved entry takes its descendants along');
    assert.equal(cache.authorizedEntry(OTHER, moving.id)?.revisionNumber, 1);
    control.calls.length = 0;
    await cache.refresh();
    assert.equal(control.calls.filter((c) => c.startsWith('fetchEntries')).length, 0, 'an idle poll fetches nothing');
  }));

  it('follows node selector changes and node deletion for alias matching', () => withCache(async ({ ds, cache }) => {
    await ds.createEntry({ parentId: SERVER, spiffeId: `${TD}/group`, selectors: [sel('x509pop', 'ca:fingerprint:ab')] });
    const grouped = await ds.createEntry(workload(`${TD}/group`, '/grouped'));
    await ds.createAttestedNode(agentNode(AGENT, [sel('x509pop', 'subject:cn:other')], START_MS / 1000 + 3600));
    await cache.start();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), []);
    await ds.setNodeSelectors(AGENT, [sel('x509pop', 'ca:fingerprint:ab'), sel('x509pop', 'subject:cn:other')]);
    await cache.refresh();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [grouped.id]);
    await ds.deleteAttestedNode(AGENT);
    await cache.refresh();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), []);
    assert.equal(cache.stats().nodes, 0);
  }));

  it('waits for an event id that commits after a higher one (the gap caveat)', () => withCache(async ({ ds, control, cache }) => {
    await cache.start();
    const first = await ds.createEntry(workload(AGENT, '/first'));
    const slow = await ds.createEntry(workload(AGENT, '/slow'));
    const slowEvent = await inFlight(ds, control, slow.id);
    const third = await ds.createEntry(workload(AGENT, '/third'));
    await cache.refresh();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [first.id, third.id].sort());
    assert.deepEqual(cache.stats().skippedEntryEventIds, [slowEvent]);
    await cache.refresh();
    assert.deepEqual(cache.stats().skippedEntryEventIds, [slowEvent], 'still waited for');
    commit(control, slow.id, slowEvent);
    await cache.refresh();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [first.id, slow.id, third.id].sort());
    assert.deepEqual(cache.stats().skippedEntryEventIds, []);
  }));

  it('tracks holes present at load time too', () => withCache(async ({ ds, control, cache }) => {
    await ds.createEntry(workload(AGENT, '/a'));
    const slow = await ds.createEntry(workload(AGENT, '/slow'));
    const slowEvent = await inFlight(ds, control, slow.id);
    await ds.createEntry(workload(AGENT, '/c'));
    await cache.start();
    assert.deepEqual(cache.stats().skippedEntryEventIds, [slowEvent]);
    commit(control, slow.id, slowEvent);
    await cache.refresh();
    assert.ok(cache.authorizedEntry(AGENT, slow.id));
  }));

  it('gives up a skipped id after the grace period; the periodic full reload is the backstop', () => withCache(async ({ ds, control, clock, cache }) => {
    await ds.createEntry(workload(AGENT, '/before'));
    await cache.start();
    const slow = await ds.createEntry(workload(AGENT, '/slow'));
    const slowEvent = await inFlight(ds, control, slow.id);
    await ds.createEntry(workload(AGENT, '/after'));
    await cache.refresh();
    clock.setMs(START_MS + GRACE_MS + 1); // timers fire polls meanwhile
    await cache.idle();
    await cache.refresh();
    assert.deepEqual(cache.stats().skippedEntryEventIds, [], 'given up');
    control.hiddenEntries.delete(slow.id); // the data commits, its event stays missing
    await cache.refresh();
    assert.equal(cache.authorizedEntry(AGENT, slow.id), undefined, 'no event, no update');
    assert.equal(cache.stats().fullLoads, 1);
    await clock.advanceAsync(RELOAD_MS);
    await cache.idle();
    assert.equal(cache.stats().fullLoads, 2);
    assert.ok(cache.authorizedEntry(AGENT, slow.id), 'the full reload found it');
    assert.deepEqual(cache.stats().skippedEntryEventIds, [], 'a hole given up is not waited for again');
  }));

  it('keeps the cursor when a fetch fails, so the next poll applies the change', () => withCache(async ({ ds, control, cache }) => {
    await cache.start();
    const entry = await ds.createEntry(workload(AGENT, '/w'));
    control.failFetches = true;
    await assert.rejects(cache.refresh(), /injected fetch failure/);
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), []);
    control.failFetches = false;
    await cache.refresh();
    assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [entry.id]);
  }));

  it('polls on the injected clock and logs, not throws, when a timed poll fails', () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (msg: string) => { warnings.push(msg); }, error() {} };
    return withCache(async ({ ds, control, clock, cache }) => {
      await cache.start();
      const entry = await ds.createEntry(workload(AGENT, '/w'));
      await clock.advanceAsync(999);
      await cache.idle();
      assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [], 'not yet due');
      control.failFetches = true;
      await clock.advanceAsync(1);
      await cache.idle();
      assert.deepEqual(warnings, ['authorized-entries cache: poll failed']);
      control.failFetches = false;
      await clock.advanceAsync(1000);
      await cache.idle();
      assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [entry.id]);
      await cache.close();
      assert.equal(clock.pendingTimers(), 0, 'close cancels the timer');
    }, { logger });
  });

  it('drops expired entries as the clock moves, without a poll', () => withCache(async ({ ds, clock, cache }) => {
    const expiring = await ds.createEntry(workload(AGENT, '/expiring', { expiresAt: START_MS / 1000 + 60 }));
    await ds.createEntry(workload(`${TD}/expiring`, '/below'));
    await cache.start();
    assert.equal(cache.authorizedEntries(AGENT).length, 2);
    clock.setMs(START_MS + 61_000);
    assert.deepEqual(cache.authorizedEntries(AGENT), []);
    assert.equal(cache.authorizedEntry(AGENT, expiring.id), undefined);
  }, { pollIntervalMs: 3_600_000 }));

  it('gives up the oldest skipped ids beyond maxSkippedEvents, with a warning', () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (msg: string) => { warnings.push(msg); }, error() {} };
    return withCache(async ({ ds, control, cache }) => {
      await ds.createEntry(workload(AGENT, '/first'));
      await cache.start();
      const hidden: number[] = [];
      for (const path of ['/a', '/b', '/c']) hidden.push(await inFlight(ds, control, (await ds.createEntry(workload(AGENT, path))).id));
      await ds.createEntry(workload(AGENT, '/d'));
      await cache.refresh();
      assert.deepEqual(cache.stats().skippedEntryEventIds, hidden.slice(1), 'the newest holes, up to the cap');
      assert.deepEqual(warnings, ['authorized-entries cache: too many skipped event ids; gave up the oldest']);
      assert.equal(cache.stats().fullLoads, 1);
    }, { maxSkippedEvents: 2, logger });
  });

  it('refuses nonsensical intervals, naming the option', () => {
    assert.throws(() => createAuthorizedEntriesCache({
      datastore: {} as never, clock: new FakeClock(), trustDomain: TrustDomain.parse('example.org'), pollIntervalMs: 0,
    }), /pollIntervalMs must be a positive number, got 0/);
  });
});
