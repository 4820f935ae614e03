// The shared datastore suite on PostgreSQL. Needs TSPIRE_TEST_PG_URL (a role allowed to create
// databases; scripts/ci-postgres.sh prints one). Each run creates its own database (dropped at
// the end) and each test its own schema in it, so runs and tests never see each other's rows.
// Without the variable the suite is skipped, except under CI where that is a failure.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, test } from 'node:test';
import pg from 'pg';
import { openDatastore } from './open.js';
import { rejectsWith } from './suite/harness.test-helper.js';
import { defineDatastoreSuite, type TestDatabase } from './suite/suite.test-helper.js';

const adminUrl = process.env['TSPIRE_TEST_PG_URL'];

if (adminUrl === undefined || adminUrl === '') {
  const why = 'TSPIRE_TEST_PG_URL is not set; run `eval "$(scripts/ci-postgres.sh)"` to provision PostgreSQL';
  if (process.env['CI']) {
    test('datastore suite (postgres)', () => assert.fail(`${why}: CI must run the datastore suite against PostgreSQL`));
  } else {
    test('datastore suite (postgres)', { skip: why }, () => {});
  }
} else {
  const database = `tspire_test_${randomBytes(6).toString('hex')}`;
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;
  const admin = new pg.Pool({ connectionString: adminUrl, max: 1 });
  let runPool: pg.Pool | undefined;
  let counter = 0;

  before(async () => {
    await admin.query(`create database ${database}`);
    runPool = new pg.Pool({ connectionString: databaseUrl.href, max: 2 });
  });
  after(async () => {
    await runPool?.end();
    // pool.end() resolves before its sockets finish closing; a forced drop would kill them
    // mid-close and surface as uncaught errors. Wait (bounded) until the sessions are gone.
    for (let i = 0; i < 500; i++) {
      const { rows } = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [database]);
      if (rows[0]?.n === 0) break;
    }
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  const withSearchPath = (schema: string) => {
    const u = new URL(databaseUrl.href);
    u.search = `${u.search ? `${u.search}&` : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return u.href;
  };

  const freshPostgres = async (): Promise<TestDatabase> => {
    const schema = `t${++counter}_${randomBytes(3).toString('hex')}`;
    await runPool?.query(`create schema ${schema}`);
    const connectionString = withSearchPath(schema);
    const side = new pg.Pool({ connectionString, max: 1 });
    return {
      connection: { databaseType: 'postgres', connectionString },
      query: async <T>(statement: string) => (await side.query(statement)).rows as T[],
      exec: async (statement) => { await side.query(statement); },
      failInsertWhen: async (table, column, value) => {
        const fn = `fail_${table}_${counter}`;
        await side.query(`create function ${fn}() returns trigger language plpgsql as $$
          begin
            if new.${column}::text = '${value.replace(/'/g, "''")}' then raise exception 'injected failure'; end if;
            return new;
          end $$`);
        await side.query(`create trigger ${fn} before insert on ${table} for each row execute function ${fn}()`);
      },
      dispose: async () => {
        await side.end();
        await runPool?.query(`drop schema ${schema} cascade`);
      },
    };
  };

  defineDatastoreSuite({ name: 'postgres', concurrentHandles: true, freshDatabase: freshPostgres });

  describe('postgres specifics', () => {
    it('accepts libpq key=value connection strings', async () => {
      const u = new URL(adminUrl);
      const keywords = `host=${u.hostname} port=${u.port || 5432} user=${decodeURIComponent(u.username)} ` +
        `password='${decodeURIComponent(u.password).replace(/'/g, "\\'")}' dbname=${database} sslmode=disable`;
      const ds = await openDatastore({ databaseType: 'postgres', connectionString: keywords });
      await ds.createJoinToken({ token: 'kv', expiresAt: 9 });
      assert.deepEqual(await ds.consumeJoinToken('kv'), { token: 'kv', expiresAt: 9 });
      await ds.close();
    });

    it('reports bad credentials as a configuration error without retrying', async () => {
      const wrong = new URL(databaseUrl.href);
      wrong.password = 'definitely-wrong';
      let sleeps = 0;
      await rejectsWith(openDatastore({
        databaseType: 'postgres', connectionString: wrong.href, connectRetries: 3,
        sleep: async () => { sleeps++; },
      }), 'ERR_DATASTORE_BAD_CONFIG', new RegExp(`postgres at ${wrong.hostname}:${wrong.port || 5432} refused the connection`));
      assert.equal(sleeps, 0);
    });
  });
}
