// The contract between the shared datastore suite and a backend (SQLite, PostgreSQL): give me
// a fresh empty database, a side door for raw SQL, and a way to make one insert fail.
import assert from 'node:assert/strict';
import { isDatastoreError, type DatastoreErrorCode } from '../errors.js';
import { openDatastore, type OpenDatastoreOptions } from '../open.js';
import type { SqlDatastore } from '../sql/sql-datastore.js';

export interface TestDatabase {
  connection: { databaseType: 'sqlite3' | 'postgres'; connectionString: string };
  /** raw SQL outside the datastore */
  query<T = Record<string, unknown>>(statement: string): Promise<T[]>;
  exec(statement: string): Promise<void>;
  /** installs a trigger making inserts into `table` with `column` = `value` fail */
  failInsertWhen(table: string, column: string, value: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface BackendHarness {
  name: string;
  /** true when two handles in one process can run write transactions concurrently */
  concurrentHandles: boolean;
  freshDatabase(): Promise<TestDatabase>;
}

export interface FakeClock {
  now: () => number;
  set(seconds: number): void;
  advance(seconds: number): void;
}

export function fakeClock(start = 1_700_000_000): FakeClock {
  let t = start;
  return { now: () => t, set: (s) => { t = s; }, advance: (s) => { t += s; } };
}

export interface Fixture {
  ds: SqlDatastore;
  db: TestDatabase;
  clock: FakeClock;
  /** another handle on the same database (closed at the end) */
  open(extra?: Partial<OpenDatastoreOptions>): Promise<SqlDatastore>;
}

export type WithFixture = (fn: (f: Fixture) => Promise<void>) => Promise<void>;

export function fixtures(harness: BackendHarness): WithFixture {
  return async (fn) => {
    const db = await harness.freshDatabase();
    const clock = fakeClock();
    const opened: SqlDatastore[] = [];
    const open = async (extra: Partial<OpenDatastoreOptions> = {}) => {
      const ds = await openDatastore({ ...db.connection, now: clock.now, ...extra });
      opened.push(ds);
      return ds;
    };
    try {
      await fn({ ds: await open(), db, clock, open });
    } finally {
      for (const ds of opened) await ds.close().catch(() => {});
      await db.dispose();
    }
  };
}

/** Asserts the promise rejects with a datastore error of `code` (and message matching `message`). */
export async function rejectsWith(promise: Promise<unknown>, code: DatastoreErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isDatastoreError(err), `expected a DatastoreError, got ${String(err)}`);
    assert.equal(err.code, code, `unexpected code; message: ${err.message}`);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

export const TD = 'spiffe://example.org';
export const AGENT = `${TD}/spire/agent/join_token/abc`;
export const SERVER = `${TD}/spire/server`;
export const sel = (type: string, value: string) => ({ type, value });
