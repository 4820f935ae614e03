// Shared suite: schema migrations (fresh, re-open, too new, disabled, upgrade) and, where the
// backend allows concurrent handles in one process, racing writers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimilarEntryError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../sql/migrations.js';
import { entry } from './entries.test-helper.js';
import { rejectsWith, sel, type BackendHarness, type WithFixture } from './harness.test-helper.js';

interface MigrationRow { version: number | string; code_version: string }

export function migrationsAndConcurrencySuite(harness: BackendHarness, withFixture: WithFixture): void {
  describe('migrations', () => {
    it('records the schema and code version on a fresh database', () => withFixture(async ({ db }) => {
      const rows = await db.query<MigrationRow>('select version, code_version from migrations');
      assert.equal(rows.length, 1);
      assert.equal(Number(rows[0]?.version), SCHEMA_VERSION);
      assert.equal(rows[0]?.code_version, '0.1.0');
    }));

    it('re-opens an existing database keeping its data, updating the code version', () => withFixture(async ({ ds, open, db }) => {
      const created = await ds.createEntry(entry('keep'));
      await ds.close();
      const again = await open({ codeVersion: '0.2.0' });
      assert.deepEqual(await again.fetchEntry(created.id), created);
      const rows = await db.query<MigrationRow>('select version, code_version from migrations');
      assert.deepEqual(rows.map((r) => [Number(r.version), r.code_version]), [[SCHEMA_VERSION, '0.2.0']]);
    }));

    it('refuses a database whose schema is newer than the code', () => withFixture(async ({ ds, open, db }) => {
      await ds.close();
      await db.exec(`update migrations set version = ${SCHEMA_VERSION + 1}, code_version = '9.9.9'`);
      await rejectsWith(open(), 'ERR_DATASTORE_SCHEMA_TOO_NEW',
        new RegExp(`schema version ${SCHEMA_VERSION + 1} .*9\\.9\\.9.* newer than this server's schema version ${SCHEMA_VERSION}`));
    }));

    it('with disable_migration, uses a current schema but refuses an old one', () => withFixture(async ({ open, db }) => {
      const same = await open({ disableMigration: true, codeVersion: '7.7.7' });
      assert.equal(await same.countEntries(), 0);
      const rows = await db.query<MigrationRow>('select code_version from migrations');
      assert.equal(rows[0]?.code_version, '0.1.0', 'disable_migration must not write');
      const extra: Migration = { version: SCHEMA_VERSION + 1, description: 'test table', up: async (k) => {
        await k.schema.createTable('extra_test').addColumn('x', 'integer').execute();
      } };
      await rejectsWith(open({ disableMigration: true, migrations: [...MIGRATIONS, extra] }),
        'ERR_DATASTORE_FAILED_PRECONDITION', /disable_migration/);
    }));

    it('applies only pending migrations, in one transaction', () => withFixture(async ({ ds, open, db }) => {
      await ds.createEntry(entry('survivor'));
      const failing: Migration = { version: SCHEMA_VERSION + 1, description: 'half done', up: async (k) => {
        await k.schema.createTable('extra_half').addColumn('x', 'integer').execute();
        throw new Error('migration exploded');
      } };
      await assert.rejects(open({ migrations: [...MIGRATIONS, failing] }), /migration exploded/);
      const stillOld = await db.query<MigrationRow>('select version from migrations');
      assert.equal(Number(stillOld[0]?.version), SCHEMA_VERSION);
      const ok: Migration = { version: SCHEMA_VERSION + 1, description: 'extra', up: async (k) => {
        await k.schema.createTable('extra_half').addColumn('x', 'integer').execute();
      } };
      const upgraded = await open({ migrations: [...MIGRATIONS, ok] });
      assert.equal(await upgraded.countEntries(), 1);
      assert.equal(Number((await db.query<MigrationRow>('select version from migrations'))[0]?.version), SCHEMA_VERSION + 1);
      await open({ migrations: [...MIGRATIONS, ok] });
      await rejectsWith(open(), 'ERR_DATASTORE_SCHEMA_TOO_NEW');
    }));
  });

  const concurrency = harness.concurrentHandles ? false : 'needs concurrent handles (SQLite: see sqlite.test.ts worker race)';
  describe('concurrent handles', { skip: concurrency }, () => {
    it('lets only one of two racing handles create a similar entry', () => withFixture(async ({ ds, open }) => {
      const other = await open();
      for (let i = 0; i < 10; i++) {
        const input = entry(`race${i}`, { selectors: [sel('r', String(i)), sel('r', 'x')] });
        const results = await Promise.allSettled([ds.createEntry(input), other.createEntry(input)]);
        const ok = results.filter((r) => r.status === 'fulfilled');
        const similar = results.filter((r) => r.status === 'rejected' && r.reason instanceof SimilarEntryError);
        assert.equal(ok.length, 1, `round ${i}`);
        assert.equal(similar.length, 1, `round ${i}`);
      }
      assert.equal(await ds.countEntries(), 10);
    }));

    it('keeps every authority appended by racing handles', () => withFixture(async ({ ds, open }) => {
      const other = await open();
      const appends = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ds : other).appendBundle({
        trustDomain: 'race.org', x509Authorities: [{ der: new Uint8Array([0x30, i]), tainted: false }],
        jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n,
      }));
      await Promise.all(appends);
      const final = await ds.fetchBundle('race.org');
      assert.equal(final?.x509Authorities.length, 20);
      assert.equal(final?.sequenceNumber, 19n);
    }));
  });
}
