// Configuration and connection-string handling; needs no database server.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { datastoreConfigFromPluginData } from './config.js';
import { openDatastore } from './open.js';
import { parsePostgresTarget } from './sql/postgres.js';
import { parseSqliteTarget } from './sql/sqlite.js';
import { rejectsWith } from './suite/harness.test-helper.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('datastore config', () => {
  it('refuses unsupported database types', async () => {
    for (const databaseType of ['mysql', 'aws_postgres', 'sqlite', '']) {
      await rejectsWith(openDatastore({ databaseType, connectionString: 'x' }), 'ERR_DATASTORE_BAD_CONFIG',
        new RegExp(`unsupported database_type "${databaseType}"`));
    }
    await rejectsWith(openDatastore({ databaseType: 'sqlite3', connectionString: ' ' }), 'ERR_DATASTORE_BAD_CONFIG', /connection_string/);
    await rejectsWith(openDatastore({ databaseType: 'postgres', connectionString: 'x', maxOpenConns: -1 }), 'ERR_DATASTORE_BAD_CONFIG', /max_open_conns/);
  });

  it('maps SPIRE plugin_data, warning about unknown and unsupported keys', () => {
    const { config, warnings } = datastoreConfigFromPluginData({
      database_type: 'postgres', connection_string: 'dbname=spire', max_open_conns: 10, disable_migration: true,
      log_sql: true, colour: 'blue',
    });
    assert.deepEqual(config, { databaseType: 'postgres', connectionString: 'dbname=spire', maxOpenConns: 10, disableMigration: true });
    assert.deepEqual(warnings, [
      'DataStore "sql": log_sql is not supported by tspire and is ignored',
      'DataStore "sql": unknown key "colour" ignored',
    ]);
    assert.throws(() => datastoreConfigFromPluginData({ database_type: 'mysql', connection_string: 'x' }), /unsupported database_type "mysql"/);
    assert.throws(() => datastoreConfigFromPluginData({ database_type: { aws_postgres: {} }, connection_string: 'x' }), /block form/);
    assert.throws(() => datastoreConfigFromPluginData({ database_type: 'sqlite3' }), /connection_string must be set/);
    assert.throws(() => datastoreConfigFromPluginData({ database_type: 'sqlite3', connection_string: 'x', disable_migration: 'yes' }), /disable_migration/);
  });

  it('parses sqlite connection strings', () => {
    assert.deepEqual(parseSqliteTarget('./.data/datastore.sqlite3', '/srv/spire'),
      { path: '/srv/spire/.data/datastore.sqlite3', busyTimeoutMs: 5000, ignoredParams: [] });
    assert.deepEqual(parseSqliteTarget('file:data%20dir/ds.db?_busy_timeout=250&_journal=WAL', '/x'),
      { path: '/x/data dir/ds.db', busyTimeoutMs: 250, ignoredParams: ['_journal'] });
    assert.equal(parseSqliteTarget('file:///var/lib/spire/ds.db', '/x').path, '/var/lib/spire/ds.db');
    assert.equal(parseSqliteTarget('file:whatever?mode=memory', '/x').path, ':memory:');
    assert.throws(() => parseSqliteTarget('file:', '/x'), /names no database file/);
  });

  it('parses postgres URLs and libpq key=value strings without exposing the password', () => {
    assert.equal(parsePostgresTarget('postgres://u:secret@db.internal:6543/spire').endpoint, 'db.internal:6543');
    assert.equal(parsePostgresTarget('postgresql://u@db/spire').endpoint, 'db:5432');
    const kv = parsePostgresTarget("dbname=spire user=spire password='p w\\'d' host=10.0.0.5 port=5433 sslmode=disable connect_timeout=3");
    assert.equal(kv.endpoint, '10.0.0.5:5433');
    assert.deepEqual(kv.config, { database: 'spire', user: 'spire', password: "p w'd", host: '10.0.0.5', port: 5433, connectionTimeoutMillis: 3000 });
    assert.equal((parsePostgresTarget('host=h sslmode=require').config.ssl as { rejectUnauthorized: boolean }).rejectUnauthorized, false);
    assert.throws(() => parsePostgresTarget('dbname=x frobnicate=1'), /unsupported keyword "frobnicate"/);
    assert.throws(() => parsePostgresTarget('dbname=x sslmode=sometimes'), /unsupported sslmode/);
    assert.throws(() => parsePostgresTarget('just words'), /neither a postgres:\/\/ URL nor key=value/);
  });

  it('reports an unreachable postgres with host:port after the configured retries', async () => {
    const port = await closedPort();
    const sleeps: number[] = [];
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, warn: (_msg: string, fields?: Readonly<Record<string, unknown>>) => { warnings.push(fields?.['attempt']); } };
    await rejectsWith(openDatastore({
      databaseType: 'postgres', connectionString: `postgres://u:secret@127.0.0.1:${port}/spire`,
      connectRetries: 2, connectRetryDelayMs: 250, logger, sleep: async (ms) => { sleeps.push(ms); },
    }), 'ERR_DATASTORE_UNAVAILABLE', new RegExp(`postgres at 127\\.0\\.0\\.1:${port} is unavailable after 3 attempt\\(s\\)`));
    assert.deepEqual(sleeps, [250, 250]);
    assert.deepEqual(warnings, [1, 2]);
  });
});
