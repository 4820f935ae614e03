// The shared datastore suite on SQLite (a temp file per test), plus SQLite-only behaviour:
// file handling, "not a database", pragmas, and a consume race between two threads.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { openDatastore } from './open.js';
import { rejectsWith } from './suite/harness.test-helper.js';
import { defineDatastoreSuite, type TestDatabase } from './suite/suite.test-helper.js';

const root = mkdtempSync(join(tmpdir(), 'tspire-ds-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function withRaw<T>(path: string, fn: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function freshSqlite(): TestDatabase {
  const dir = join(root, `t${++counter}`);
  const path = join(dir, 'data', 'datastore.sqlite3');
  return {
    connection: { databaseType: 'sqlite3', connectionString: path },
    query: async <T>(statement: string) => withRaw(path, (db) => db.prepare(statement).all() as T[]),
    exec: async (statement) => withRaw(path, (db) => { db.exec(statement); }),
    failInsertWhen: async (table, column, value) => withRaw(path, (db) => {
      db.exec(`create trigger fail_${table}_${counter} before insert on ${table}
        when new.${column} = '${value.replace(/'/g, "''")}'
        begin select raise(abort, 'injected failure'); end`);
    }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

defineDatastoreSuite({ name: 'sqlite', concurrentHandles: false, freshDatabase: async () => freshSqlite() });

describe('sqlite specifics', () => {
  it('creates the parent directory 0700 and the file 0600, in WAL mode', async () => {
    const dir = join(root, 'perm', 'nested');
    const path = join(dir, 'ds.sqlite3');
    const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: path });
    await ds.close();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(withRaw(path, (db) => db.pragma('journal_mode', { simple: true })), 'wal');
  });

  it('resolves relative paths against the given cwd, as SPIRE sample configs expect', async () => {
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: './.data/datastore.sqlite3', cwd });
    await ds.close();
    assert.ok(statSync(join(cwd, '.data', 'datastore.sqlite3')).isFile());
  });

  it('reports a file that is not SQLite, naming the path', async () => {
    const path = join(root, 'not-a-db.sqlite3');
    writeFileSync(path, 'this is certainly not a sqlite database file, just some text that is long enough\n'.repeat(20));
    await rejectsWith(openDatastore({ databaseType: 'sqlite3', connectionString: path }),
      'ERR_DATASTORE_NOT_A_DATABASE', new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a SQLite database`));
  });

  it('refuses a directory as the database path', async () => {
    const dir = join(root, 'a-directory');
    mkdirSync(dir);
    await rejectsWith(openDatastore({ databaseType: 'sqlite3', connectionString: dir }), 'ERR_DATASTORE_BAD_CONFIG', /is a directory/);
  });

  it('accepts file: URIs, honouring _busy_timeout and reporting other parameters', async () => {
    const path = join(root, 'uri', 'ds.sqlite3');
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, warn: (_msg: string, fields?: Readonly<Record<string, unknown>>) => { warnings.push(fields?.['params']); } };
    const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: `file:${path}?_busy_timeout=100&cache=shared`, logger });
    await ds.createJoinToken({ token: 'uri', expiresAt: 1 });
    await ds.close();
    assert.deepEqual(warnings, [['cache']]);
    const viaUrl = await openDatastore({ databaseType: 'sqlite3', connectionString: `file://${path}` });
    assert.deepEqual(await viaUrl.fetchJoinToken('uri'), { token: 'uri', expiresAt: 1 });
    await viaUrl.close();
    await rejectsWith(openDatastore({ databaseType: 'sqlite3', connectionString: `file:${path}?_busy_timeout=soon` }),
      'ERR_DATASTORE_BAD_CONFIG', /_busy_timeout/);
  });

  it('stores whole seconds even when the injected clock gives fractions', async () => {
    const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: ':memory:', now: () => 1795428850.284 });
    const entry = await ds.createEntry({ spiffeId: 'spiffe://td/w', parentId: 'spiffe://td/a', selectors: [{ type: 'unix', value: 'uid:1' }] });
    assert.equal(entry.createdAt, 1795428850);
    assert.equal((await ds.fetchEntry(entry.id))?.createdAt, 1795428850);
    await ds.close();
  });

  it('opens an in-memory database', async () => {
    const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: ':memory:' });
    await ds.createJoinToken({ token: 'mem', expiresAt: 5 });
    assert.equal(await ds.consumeJoinToken('mem').then((t) => t?.token), 'mem');
    await ds.close();
  });

  it('gives each token to exactly one of two threads racing on one file', async () => {
    const path = join(root, 'race', 'ds.sqlite3');
    const tokens = Array.from({ length: 60 }, (_, i) => `tok-${i}`);
    const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: path });
    for (const token of tokens) await ds.createJoinToken({ token, expiresAt: 10 });
    await ds.close();
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const script = new URL('./suite/consume-worker.test-helper.js', import.meta.url);
    const run = () => new Promise<string[]>((resolve, reject) => {
      const worker = new Worker(script, { workerData: { path, tokens, gate } });
      worker.once('message', (got: string[]) => resolve(got));
      worker.once('error', reject);
    });
    const results = Promise.all([run(), run()]);
    // Both workers wait on the gate until it opens, so their consumes overlap.
    while (Atomics.load(gate, 0) < 2) await new Promise((r) => setImmediate(r));
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    const [first, second] = await results;
    assert.equal((first?.length ?? 0) + (second?.length ?? 0), tokens.length);
    assert.deepEqual([...new Set([...(first ?? []), ...(second ?? [])])].sort(), [...tokens].sort());
  });
});
