// Several servers sharing one database: each server's cache (on its own DataStore handle) sees
// the others' writes through the shared event tables. SQLite (one file, two handles) always;
// PostgreSQL when TSPIRE_TEST_PG_URL is set (see datastore/postgres.test.ts), where a raw
// transaction also commits an event id out of order for real.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import pg from 'pg';
import { FakeClock } from '@tspire/common';
import { TrustDomain } from '@tspire/spiffe';
import { openDatastore } from '../datastore/open.js';
import type { SqlDatastore } from '../datastore/sql/sql-datastore.js';
import { createAuthorizedEntriesCache, type AuthorizedEntriesCache } from './authorized-entries-cache.js';
import { SERVER, TD, agentNode, ids, sel } from './cache.test-helper.js';

const AGENT = `${TD}/spire/agent/x509pop/shared`;
const START_MS = 1_700_000_000_000;
const GRACE_MS = 60_000;

interface Connection { databaseType: 'sqlite3' | 'postgres'; connectionString: string }

interface Servers {
  clock: FakeClock;
  handles: [SqlDatastore, SqlDatastore];
  caches: [AuthorizedEntriesCache, AuthorizedEntriesCache];
}

async function withTwoServers(connection: Connection, fn: (s: Servers) => Promise<void>): Promise<void> {
  const clock = new FakeClock(START_MS);
  const open = () => openDatastore({ ...connection, now: () => clock.nowMs() / 1000 });
  const first = await open();
  const second = await open();
  const cacheOf = (ds: SqlDatastore) => createAuthorizedEntriesCache({
    datastore: ds, clock, trustDomain: TrustDomain.parse('example.org'), pollIntervalMs: 3_600_000, eventGraceMs: GRACE_MS,
  });
  const caches: [AuthorizedEntriesCache, AuthorizedEntriesCache] = [cacheOf(first), cacheOf(second)];
  try {
    await fn({ clock, handles: [first, second], caches });
  } finally {
    for (const cache of caches) await cache.close();
    await first.close();
    await second.close();
  }
}

async function refreshAll(caches: readonly AuthorizedEntriesCache[]): Promise<void> {
  for (const cache of caches) await cache.refresh();
}

function sharedDatabaseSuite(name: string, fresh: () => Promise<{ connection: Connection; dispose(): Promise<void> }>): void {
  const withFresh = async (fn: (s: Servers) => Promise<void>) => {
    const db = await fresh();
    try {
      await withTwoServers(db.connection, fn);
    } finally {
      await db.dispose();
    }
  };

  describe(`authorized-entries caches sharing one database (${name})`, () => {
    it("each server's cache sees the other server's writes", () => withFresh(async ({ handles: [one, two], caches }) => {
      const direct = await one.createEntry({ parentId: AGENT, spiffeId: `${TD}/direct`, selectors: [sel('unix', 'uid:1')] });
      for (const cache of caches) await cache.start();
      const alias = await two.createEntry({ parentId: SERVER, spiffeId: `${TD}/group`, selectors: [sel('x509pop', 'subject:cn:shared')] });
      const grouped = await two.createEntry({ parentId: `${TD}/group`, spiffeId: `${TD}/grouped`, selectors: [sel('unix', 'uid:2')] });
      await one.createAttestedNode(agentNode(AGENT, [sel('x509pop', 'subject:cn:shared')], START_MS / 1000 + 3600));
      await refreshAll(caches);
      for (const cache of caches) assert.deepEqual(ids(cache.authorizedEntries(AGENT)), [direct.id, grouped.id].sort());

      await two.updateEntry({ ...direct, parentId: `${TD}/elsewhere` }, ['parentId']);
      await one.deleteEntry(alias.id);
      await refreshAll(caches);
      for (const cache of caches) assert.deepEqual(cache.authorizedEntries(AGENT), []);

      await two.setNodeSelectors(AGENT, []);
      await one.createEntry({ parentId: SERVER, spiffeId: `${TD}/group`, selectors: [sel('x509pop', 'subject:cn:shared')] });
      await refreshAll(caches);
      for (const cache of caches) assert.deepEqual(cache.authorizedEntries(AGENT), [], 'the node lost its selectors');
    }));
  });
}

const root = await mkdtemp(join(tmpdir(), 'tspire-entries-shared-'));
after(() => rm(root, { recursive: true, force: true }));
let sqliteCounter = 0;
sharedDatabaseSuite('sqlite', async () => ({
  connection: { databaseType: 'sqlite3', connectionString: join(root, `db${++sqliteCounter}`, 'ds.sqlite3') },
  dispose: async () => {},
}));

const adminUrl = process.env['TSPIRE_TEST_PG_URL'];
if (adminUrl === undefined || adminUrl === '') {
  const why = 'TSPIRE_TEST_PG_URL is not set; run `eval "$(scripts/ci-postgres.sh)"` to provision PostgreSQL';
  if (process.env['CI']) test('authorized-entries caches (postgres)', () => assert.fail(`${why}: CI must run this against PostgreSQL`));
  else test('authorized-entries caches (postgres)', { skip: why }, () => {});
} else {
  postgresSuite(adminUrl);
}

function postgresSuite(url: string): void {
  const schemaUrl = (schema: string) => {
    const u = new URL(url);
    u.search = `${u.search ? `${u.search}&` : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return u.href;
  };
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });
  const freshSchema = async () => {
    const schema = `tspire_entries_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    await admin.query(`create schema ${schema}`);
    return schema;
  };

  sharedDatabaseSuite('postgres', async () => {
    const schema = await freshSchema();
    return { connection: { databaseType: 'postgres', connectionString: schemaUrl(schema) }, dispose: async () => {} };
  });

  describe('authorized-entries cache on postgres: event ids committed out of order', () => {
    let schema = '';
    let raw: pg.Client | undefined;
    before(async () => {
      schema = await freshSchema();
      raw = new pg.Client({ connectionString: schemaUrl(schema) });
      await raw.connect();
    });
    after(async () => { await raw?.end(); });

    /** Opens a transaction that changes the entry's hint and takes an event id, uncommitted. */
    async function slowUpdate(client: pg.Client, entryId: string, hint: string): Promise<number> {
      await client.query('begin');
      await client.query('update registered_entries set hint = $1, revision_number = revision_number + 1 where entry_id = $2', [hint, entryId]);
      const { rows } = await client.query<{ id: string }>('insert into registered_entries_events (entry_id, created_at) values ($1, $2) returning id', [entryId, START_MS / 1000]);
      return Number(rows[0]?.id);
    }

    it('applies a transaction that commits after a later one, and gives up one rolled back', () =>
      withTwoServers({ databaseType: 'postgres', connectionString: schemaUrl(schema) }, async ({ clock, handles: [one, two], caches: [cache] }) => {
        const client = raw as pg.Client;
        const slow = await one.createEntry({ parentId: AGENT, spiffeId: `${TD}/slow`, selectors: [sel('unix', 'uid:1')] });
        await cache.start();
        const slowEvent = await slowUpdate(client, slow.id, 'committed late');
        const later = await two.createEntry({ parentId: AGENT, spiffeId: `${TD}/later`, selectors: [sel('unix', 'uid:2')] });
        await cache.refresh();
        assert.ok(cache.authorizedEntry(AGENT, later.id), 'the later transaction is visible');
        assert.equal(cache.authorizedEntry(AGENT, slow.id)?.hint, '', 'the slow one is not yet');
        assert.deepEqual(cache.stats().skippedEntryEventIds, [slowEvent]);
        await client.query('commit');
        await cache.refresh();
        assert.equal(cache.authorizedEntry(AGENT, slow.id)?.hint, 'committed late');
        assert.deepEqual(cache.stats().skippedEntryEventIds, []);

        const rolledBack = await slowUpdate(client, slow.id, 'never');
        await two.createEntry({ parentId: AGENT, spiffeId: `${TD}/after-rollback`, selectors: [sel('unix', 'uid:3')] });
        await client.query('rollback');
        await cache.refresh();
        assert.deepEqual(cache.stats().skippedEntryEventIds, [rolledBack], 'a hole is waited for');
        clock.setMs(START_MS + GRACE_MS + 1);
        await cache.refresh();
        assert.deepEqual(cache.stats().skippedEntryEventIds, [], 'and given up after the grace period');
        assert.equal(cache.authorizedEntries(AGENT).length, 3);
      }));
  });
}
