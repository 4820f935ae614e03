// Embedded SQLite via better-sqlite3, wrapped for Kysely.
//
// Durability: journal_mode=WAL with synchronous=FULL. WAL lets readers proceed while a write
// commits; FULL fsyncs the WAL on every commit. With NORMAL a committed transaction survives a
// process crash (kill -9) but can be lost on power failure or OS crash, because the WAL is only
// synced at checkpoints. The server acknowledges writes the outside world then relies on (a join
// token consumed, an agent banned, a CA journal naming the key in use), so an acknowledged write
// must survive any crash; the cost is one fsync per write transaction.
//
// Writers use BEGIN IMMEDIATE: the write lock is taken up front, so a transaction that reads then
// writes never fails half-way with SQLITE_BUSY_SNAPSHOT when another process wrote in between;
// busy_timeout makes it wait instead. One process should hold one handle per database file
// (better-sqlite3 is synchronous: a second handle in the same process waiting on the lock would
// stall the event loop until busy_timeout).
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type QueryResult, type TransactionSettings,
} from 'kysely';
import { DatastoreError } from '../errors.js';
import type { DatastoreLogger } from '../logger.js';
import { errorCode } from './context.js';
import type { Database } from './schema.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface SqliteTarget {
  /** absolute file path, or ':memory:' */
  path: string;
  busyTimeoutMs: number;
  ignoredParams: string[];
}

/**
 * Accepts a plain path (`./.data/datastore.sqlite3`, as SPIRE's sample), `file:path`,
 * `file:///abs/path` and `:memory:`. URI query parameters: `_busy_timeout` / `_timeout` (ms) are
 * honoured, `mode=memory` selects an in-memory database, others are ignored and reported.
 */
export function parseSqliteTarget(connectionString: string, cwd: string): SqliteTarget {
  let rest = connectionString;
  let query = '';
  let busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS;
  const ignoredParams: string[] = [];
  if (rest.startsWith('file:')) {
    const q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
    if (rest.startsWith('file://')) {
      try {
        rest = fileURLToPath(rest);
      } catch (err) {
        throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `connection_string ${JSON.stringify(connectionString)} is not a usable file URI`, { cause: err });
      }
    } else {
      rest = decodeURIComponent(rest.slice('file:'.length));
    }
  }
  let memory = rest === ':memory:';
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === '_busy_timeout' || key === '_timeout') {
      const ms = Number(value);
      if (!Number.isSafeInteger(ms) || ms < 0) {
        throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `connection_string parameter ${key} must be milliseconds, got ${JSON.stringify(value)}`);
      }
      busyTimeoutMs = ms;
    } else if (key === 'mode' && value === 'memory') {
      memory = true;
    } else {
      ignoredParams.push(key);
    }
  }
  if (!memory && rest === '') throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', 'connection_string names no database file');
  return { path: memory ? ':memory:' : resolve(cwd, rest), busyTimeoutMs, ignoredParams };
}

/** Creates the parent directory (0700) and the file (0600) when missing. */
function prepareFile(path: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') {
        throw new DatastoreError('ERR_DATASTORE_UNAVAILABLE', `cannot create sqlite database file ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  if (isDirectory) throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `sqlite database path ${path} is a directory`);
}

export function openSqliteFile(target: SqliteTarget, logger: DatastoreLogger): BetterSqlite3.Database {
  if (target.ignoredParams.length > 0) {
    logger.warn('datastore: ignoring sqlite connection_string parameters', { params: target.ignoredParams });
  }
  if (target.path !== ':memory:') prepareFile(target.path);
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(target.path, { timeout: target.busyTimeoutMs });
  } catch (err) {
    throw new DatastoreError('ERR_DATASTORE_UNAVAILABLE', `cannot open sqlite database ${target.path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // The first statement reads the header: a file that is not SQLite fails here.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${target.busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    const code = errorCode(err);
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new DatastoreError('ERR_DATASTORE_NOT_A_DATABASE',
        `${target.path} is not a SQLite database (${(err as Error).message}); check connection_string`, { cause: err });
    }
    throw new DatastoreError('ERR_DATASTORE_UNAVAILABLE', `cannot open sqlite database ${target.path}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 behind Kysely's connection interface, with a small LRU of prepared statements
 * (Kysely's own driver prepares every query anew, which cost a third of insert time).
 */
class CachedSqliteConnection implements DatabaseConnection {
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly db: BetterSqlite3.Database) {}

  #prepare(text: string): BetterSqlite3.Statement {
    let stmt = this.#statements.get(text);
    if (stmt !== undefined) {
      this.#statements.delete(text); // re-insert: most recently used last
    } else {
      stmt = this.db.prepare(text);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
    }
    this.#statements.set(text, stmt);
    return stmt;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#prepare(query.sql);
    const parameters = query.parameters as unknown[];
    if (stmt.reader) return { rows: stmt.all(...parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(...parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.#prepare(query.sql).iterate(...(query.parameters as unknown[]))) yield { rows: [row as R] };
  }
}

/** One connection per process, handed out one caller at a time; BEGIN IMMEDIATE for writers. */
class TspireSqliteDriver implements Driver {
  readonly #connection: CachedSqliteConnection;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.#connection = new CachedSqliteConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => { release = resolve; });
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const begin = settings.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class TspireSqliteDialect implements Dialect {
  constructor(private readonly database: BetterSqlite3.Database) {}
  createAdapter() { return new SqliteAdapter(); }
  createDriver(): Driver { return new TspireSqliteDriver(this.database); }
  createQueryCompiler() { return new SqliteQueryCompiler(); }
  createIntrospector(db: Kysely<any>) { return new SqliteIntrospector(db); }
}

export function sqliteKysely(database: BetterSqlite3.Database): Kysely<Database> {
  return new Kysely<Database>({ dialect: new TspireSqliteDialect(database) });
}
