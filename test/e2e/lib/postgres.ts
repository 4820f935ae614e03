/**
 * PostgreSQL for e2e tests: TSPIRE_TEST_PG_URL names a role that may create databases
 * (scripts/ci-postgres.sh prints one). Each test gets its own database, dropped afterwards.
 * Without the variable the tests are skipped, except under CI where that is a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type PostgresAvailability =
  | { readonly kind: 'available'; readonly adminUrl: string }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'fail'; readonly reason: string };

/** What to do about PostgreSQL tests in this environment. */
export function postgresAvailability(env: NodeJS.ProcessEnv = process.env): PostgresAvailability {
  const adminUrl = env['TSPIRE_TEST_PG_URL'];
  if (adminUrl !== undefined && adminUrl !== '') return { kind: 'available', adminUrl };
  const why = 'TSPIRE_TEST_PG_URL is not set; run `eval "$(bash scripts/ci-postgres.sh)"` to provision PostgreSQL';
  return env['CI'] ? { kind: 'fail', reason: `${why}: CI must run the PostgreSQL e2e tests` } : { kind: 'skip', reason: why };
}

export interface TestDatabase {
  /** Connection URL for the fresh database (same role as the admin URL). */
  readonly url: string;
  /** Drops the database, ending any session still connected to it. */
  drop(): Promise<void>;
}

/** Creates a fresh, empty database. */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `tspire_e2e_${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  return {
    url: url.href,
    drop: () => withAdmin(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

async function withAdmin<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
