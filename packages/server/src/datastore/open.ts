// openDatastore: validate the config, connect, migrate, and hand back the DataStore.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { checkDatastoreConfig, type DatastoreConfig } from './config.js';
import type { DataStore } from './datastore.js';
import { silentLogger, type DatastoreLogger } from './logger.js';
import type { Backend, SqlContext } from './sql/context.js';
import { migrate, type Migration } from './sql/migrations.js';
import { openPostgresPool, parsePostgresTarget, postgresKysely } from './sql/postgres.js';
import type { Database } from './sql/schema.js';
import { SqlDatastore } from './sql/sql-datastore.js';
import { openSqliteFile, parseSqliteTarget, sqliteKysely } from './sql/sqlite.js';

/** Written to the migrations table; the lead may wire the package version in. */
export const DATASTORE_CODE_VERSION = '0.1.0';

export interface OpenDatastoreOptions extends DatastoreConfig {
  logger?: DatastoreLogger;
  /** unix seconds; defaults to the wall clock */
  now?: () => number;
  randomUuid?: () => string;
  /** waits between PostgreSQL connection attempts */
  sleep?: (ms: number) => Promise<void>;
  /** resolves relative sqlite paths; defaults to process.cwd() */
  cwd?: string;
  codeVersion?: string;
  /** for tests of the migration runner */
  migrations?: readonly Migration[];
}

/**
 * Opens the datastore described by SPIRE-style settings and migrates its schema.
 * @example
 *   const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: './.data/datastore.sqlite3' });
 *   const entry = await ds.createEntry({ spiffeId, parentId, selectors: [{ type: 'unix', value: 'uid:1000' }] });
 */
export async function openDatastore(options: OpenDatastoreOptions): Promise<SqlDatastore> {
  const config = checkDatastoreConfig(options);
  const logger = options.logger ?? silentLogger;
  let db: Kysely<Database>;
  let backend: Backend;
  if (config.databaseType === 'sqlite3') {
    const target = parseSqliteTarget(config.connectionString, options.cwd ?? process.cwd());
    db = sqliteKysely(openSqliteFile(target, logger));
    backend = 'sqlite';
  } else {
    const target = parsePostgresTarget(config.connectionString);
    const pool = await openPostgresPool(target, {
      maxOpenConns: config.maxOpenConns,
      connectRetries: config.connectRetries,
      connectRetryDelayMs: config.connectRetryDelayMs,
      sleep: options.sleep ?? ((ms) => delay(ms)),
      logger,
    });
    db = postgresKysely(pool);
    backend = 'postgres';
  }
  const ctx: SqlContext = {
    db,
    backend,
    // Whole unix seconds whatever the injected clock gives: times are stored as integers.
    now: options.now ? ((now) => () => Math.floor(now()))(options.now) : () => Math.floor(Date.now() / 1000),
    randomUuid: options.randomUuid ?? randomUUID,
    logger,
  };
  try {
    const result = await migrate(db, {
      backend,
      codeVersion: options.codeVersion ?? DATASTORE_CODE_VERSION,
      disableMigration: config.disableMigration,
      now: ctx.now,
      logger,
      ...(options.migrations !== undefined ? { migrations: options.migrations } : {}),
    });
    if (result.from !== result.to) logger.info('datastore: schema migrated', { from: result.from, to: result.to });
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new SqlDatastore(ctx, () => db.destroy());
}

export type { DataStore };
