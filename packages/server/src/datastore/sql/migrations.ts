// Versioned schema migrations, shared by SQLite and PostgreSQL. They run on open inside one
// transaction (DDL is transactional on both backends), so a crash mid-migration leaves the old
// schema intact. The `migrations` table holds one row: the schema version and the code version
// that last wrote it. A database newer than this code is refused rather than guessed at.
import { sql, type Kysely } from 'kysely';
import { DatastoreError } from '../errors.js';
import type { DatastoreLogger } from '../logger.js';
import type { Backend } from './context.js';
import { createSchemaV1 } from './schema-v1.js';

export interface Migration {
  version: number;
  description: string;
  up(db: Kysely<any>, backend: Backend): Promise<void>;
}

/** Append new migrations here; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', up: createSchemaV1 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Arbitrary namespace for the PostgreSQL advisory lock that serialises concurrent migrators. */
const MIGRATION_LOCK = 0x7473_7069; // "tspi"

export interface MigrateOptions {
  backend: Backend;
  codeVersion: string;
  disableMigration: boolean;
  now: () => number;
  logger: DatastoreLogger;
  /** for tests; defaults to MIGRATIONS */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  from: number;
  to: number;
}

export async function migrate(db: Kysely<any>, options: MigrateOptions): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  return db.transaction().execute(async (trx) => {
    if (options.backend === 'postgres') {
      // Several servers may start at once against one database: one migrates, the rest wait.
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK}::int4, 0)`.execute(trx);
    }
    const current = await readSchemaVersion(trx, options.backend);
    if (current !== undefined && current.version > latest) {
      throw new DatastoreError(
        'ERR_DATASTORE_SCHEMA_TOO_NEW',
        `database schema version ${current.version} (code version ${current.codeVersion || 'unknown'}) is newer than ` +
          `this server's schema version ${latest} (code version ${options.codeVersion}); upgrade the server or use a matching database`,
      );
    }
    const from = current?.version ?? 0;
    if (from < latest && options.disableMigration) {
      throw new DatastoreError(
        'ERR_DATASTORE_FAILED_PRECONDITION',
        `database schema version ${from} is older than this server's schema version ${latest} and disable_migration is set`,
      );
    }
    if (current === undefined && !options.disableMigration) await createMigrationsTable(trx, options.backend);
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      options.logger.info(`datastore: applying migration: ${migration.description}`, { version: migration.version });
      await migration.up(trx, options.backend);
    }
    if (!options.disableMigration && (current === undefined || from < latest || current.codeVersion !== options.codeVersion)) {
      await writeSchemaVersion(trx, latest, options.codeVersion, options.now(), current !== undefined);
    }
    return { from, to: from < latest ? latest : from };
  });
}

async function readSchemaVersion(
  db: Kysely<any>,
  backend: Backend,
): Promise<{ version: number; codeVersion: string } | undefined> {
  const exists =
    backend === 'sqlite'
      ? await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'migrations'`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from information_schema.tables
          where table_schema = current_schema() and table_name = 'migrations'`.execute(db);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return undefined;
  const row = await db.selectFrom('migrations').select(['version', 'code_version']).orderBy('id').executeTakeFirst();
  return row === undefined ? { version: 0, codeVersion: '' } : { version: Number(row.version), codeVersion: String(row.code_version) };
}

async function createMigrationsTable(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema
    .createTable('migrations')
    .ifNotExists()
    .addColumn('id', backend === 'sqlite' ? 'integer' : 'bigint', (c) =>
      backend === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('code_version', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function writeSchemaVersion(db: Kysely<any>, version: number, codeVersion: string, now: number, hasRow: boolean): Promise<void> {
  const existing = hasRow ? await db.selectFrom('migrations').select('id').executeTakeFirst() : undefined;
  if (existing === undefined) {
    await db.insertInto('migrations').values({ version, code_version: codeVersion, updated_at: now }).execute();
  } else {
    await db.updateTable('migrations').set({ version, code_version: codeVersion, updated_at: now }).execute();
  }
}
