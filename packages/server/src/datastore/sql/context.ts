// What every store module receives: the Kysely handle, the backend kind, injected clock and
// randomness, and the two ways to touch the database (write = one transaction, snapshot =
// a consistent multi-statement read).
import { sql, type Kysely } from 'kysely';
import { DatastoreError } from '../errors.js';
import type { DatastoreLogger } from '../logger.js';
import type { Database } from './schema.js';

export type Backend = 'sqlite' | 'postgres';

/** A Kysely handle or a transaction on it; store helpers accept either. */
export type Db = Kysely<Database>;

export interface SqlContext {
  readonly db: Db;
  readonly backend: Backend;
  /** unix seconds */
  readonly now: () => number;
  readonly randomUuid: () => string;
  readonly logger: DatastoreLogger;
}

const PG_RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const MAX_ATTEMPTS = 3;

/**
 * Runs `fn` in one transaction: all its rows commit together or none do. SQLite transactions
 * start with BEGIN IMMEDIATE (see sqlite.ts). PostgreSQL serialization failures and deadlocks
 * are retried a few times; everything else is translated once and thrown.
 */
export async function write<T>(ctx: SqlContext, fn: (trx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(fn);
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && ctx.backend === 'postgres' && PG_RETRYABLE.has(errorCode(err))) continue;
      throw translateError(err, ctx.backend);
    }
  }
}

/**
 * Runs a multi-statement read on one snapshot (entry rows and their selectors from the same
 * moment). PostgreSQL: REPEATABLE READ READ ONLY; SQLite: a deferred read transaction.
 */
export async function snapshot<T>(ctx: SqlContext, fn: (trx: Db) => Promise<T>): Promise<T> {
  try {
    return await ctx.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  } catch (err) {
    throw translateError(err, ctx.backend);
  }
}

/** A single statement (atomic on its own), with errors translated. */
export async function single<T>(ctx: SqlContext, fn: (db: Db) => Promise<T>): Promise<T> {
  try {
    return await fn(ctx.db);
  } catch (err) {
    throw translateError(err, ctx.backend);
  }
}

/**
 * Serialises writers on `key` until the transaction ends (PostgreSQL advisory lock; SQLite
 * writers are already serialised by BEGIN IMMEDIATE). Used where a check-then-insert must not
 * race with another server sharing the database (similar-entry check).
 */
export async function lockKey(trx: Db, backend: Backend, namespace: number, key: string): Promise<void> {
  if (backend !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${namespace}::int4, hashtext(${key}))`.execute(trx);
}

export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return '';
}

export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const PG_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Maps driver errors to datastore errors; anything unknown is passed through unchanged. */
export function translateError(err: unknown, backend: Backend): unknown {
  if (err instanceof DatastoreError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (isUniqueViolation(err)) {
    return new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', `already exists: ${message}`, { cause: err });
  }
  if (backend === 'sqlite') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new DatastoreError('ERR_DATASTORE_UNAVAILABLE', `sqlite database is busy: ${message}`, { cause: err });
    }
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      return new DatastoreError('ERR_DATASTORE_NOT_A_DATABASE', `sqlite database is unreadable: ${message}`, { cause: err });
    }
    return err;
  }
  if (PG_CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03' ||
      /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)) {
    return new DatastoreError('ERR_DATASTORE_UNAVAILABLE', `postgres unavailable: ${message}`, { cause: err });
  }
  return err;
}

/** Splits a list for `IN (...)` queries, keeping well under both backends' parameter limits. */
export function chunks<T>(items: readonly T[], size = 900): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const flag = (value: boolean | undefined): 0 | 1 => (value ? 1 : 0);
