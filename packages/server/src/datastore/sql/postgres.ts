// PostgreSQL via a pg Pool (several servers may share one database), wrapped for Kysely.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { DatastoreError } from '../errors.js';
import type { DatastoreLogger } from '../logger.js';
import { errorCode } from './context.js';
import type { Database } from './schema.js';

export interface PostgresTarget {
  config: pg.PoolConfig;
  /** host:port for messages (never the password) */
  endpoint: string;
}

const KEYWORDS: Record<string, keyof pg.PoolConfig | 'sslmode' | 'sslrootcert' | 'sslcert' | 'sslkey' | 'connect_timeout'> = {
  host: 'host', hostaddr: 'host', port: 'port', user: 'user', password: 'password', dbname: 'database',
  application_name: 'application_name', sslmode: 'sslmode', sslrootcert: 'sslrootcert', sslcert: 'sslcert',
  sslkey: 'sslkey', connect_timeout: 'connect_timeout',
};

/**
 * Without a connect timeout a host that drops packets stalls start-up until the OS gives up on
 * the TCP handshake (minutes), so a bound applies unless connect_timeout says otherwise.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** libpq connect_timeout (whole seconds, 0 = wait forever) as pg's connectionTimeoutMillis. */
function connectTimeoutMs(value: string | null | undefined): number {
  if (value === null || value === undefined) return DEFAULT_CONNECT_TIMEOUT_MS;
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `postgres connection_string: connect_timeout must be whole seconds, got ${JSON.stringify(value)}`);
  }
  return Number(value.trim()) * 1000;
}

/** Parses libpq `key=value` pairs (values may be single-quoted with \' and \\ escapes). */
function parseKeywordValue(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = re.exec(text)) !== null && match[0] !== '') {
    out.set(match[1] ?? '', match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3] ?? '');
    end = re.lastIndex;
  }
  if (text.slice(end).trim() !== '') {
    throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', 'postgres connection_string is neither a postgres:// URL nor key=value pairs');
  }
  return out;
}

/**
 * Accepts `postgres://` / `postgresql://` URLs (handed to pg as they are) and libpq keyword/value
 * strings as in SPIRE's docs (`dbname=spire user=spire password=... host=db sslmode=disable`).
 */
export function parsePostgresTarget(connectionString: string): PostgresTarget {
  if (/^postgres(ql)?:\/\//i.test(connectionString)) {
    let url: URL;
    try {
      url = new URL(connectionString);
    } catch (err) {
      throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', 'postgres connection_string is not a valid URL', { cause: err });
    }
    const host = url.hostname !== '' ? decodeURIComponent(url.hostname) : url.searchParams.get('host') ?? 'localhost';
    // pg reads connect_timeout only in its native (libpq) mode, so map it here.
    const connectionTimeoutMillis = connectTimeoutMs(url.searchParams.get('connect_timeout'));
    return { config: { connectionString, connectionTimeoutMillis }, endpoint: `${host}:${url.port || '5432'}` };
  }
  const pairs = parseKeywordValue(connectionString);
  const config: pg.PoolConfig = {};
  let sslmode = 'prefer';
  const files: Record<string, string> = {};
  for (const [key, value] of pairs) {
    const target = KEYWORDS[key];
    if (target === undefined) {
      throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `postgres connection_string: unsupported keyword ${JSON.stringify(key)}`);
    }
    if (target === 'port') config.port = Number(value);
    else if (target === 'connect_timeout') config.connectionTimeoutMillis = connectTimeoutMs(value);
    else if (target === 'sslmode') sslmode = value;
    else if (target === 'sslrootcert' || target === 'sslcert' || target === 'sslkey') files[target] = value;
    else Object.assign(config, { [target]: value });
  }
  // node-postgres cannot fall back from TLS to plaintext, so "prefer"/"allow" mean plaintext.
  if (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full') {
    const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path, 'utf8'));
    config.ssl = {
      rejectUnauthorized: sslmode !== 'require',
      ...(files['sslrootcert'] !== undefined ? { ca: read(files['sslrootcert']) } : {}),
      ...(files['sslcert'] !== undefined ? { cert: read(files['sslcert']) } : {}),
      ...(files['sslkey'] !== undefined ? { key: read(files['sslkey']) } : {}),
    };
  } else if (!['disable', 'allow', 'prefer'].includes(sslmode)) {
    throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `postgres connection_string: unsupported sslmode ${JSON.stringify(sslmode)}`);
  }
  config.connectionTimeoutMillis ??= DEFAULT_CONNECT_TIMEOUT_MS;
  return { config, endpoint: `${config.host ?? 'localhost'}:${config.port ?? 5432}` };
}

// int8 (BIGINT, COUNT(*)) as JS numbers: the schema's ids and unix times are far below 2^53.
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')
  ) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  maxOpenConns: number;
  connectRetries: number;
  connectRetryDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  logger: DatastoreLogger;
}

/** Auth / missing database: retrying will not help. */
function isConfigurationFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code.startsWith('28') || code === '3D000';
}

export async function openPostgresPool(target: PostgresTarget, options: PostgresOptions): Promise<pg.Pool> {
  const pool = new pg.Pool({ ...target.config, max: options.maxOpenConns, idleTimeoutMillis: 30_000, types });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (err) => options.logger.warn('datastore: idle postgres connection failed', { endpoint: target.endpoint, error: err.message }));
  const attempts = options.connectRetries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('select 1');
      return pool;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isConfigurationFailure(err)) {
        await pool.end().catch(() => {});
        throw new DatastoreError('ERR_DATASTORE_BAD_CONFIG', `postgres at ${target.endpoint} refused the connection: ${message}`, { cause: err });
      }
      if (attempt >= attempts) {
        await pool.end().catch(() => {});
        throw new DatastoreError('ERR_DATASTORE_UNAVAILABLE',
          `postgres at ${target.endpoint} is unavailable after ${attempts} attempt(s): ${message || errorCode(err)}`, { cause: err });
      }
      options.logger.warn('datastore: postgres unavailable, retrying', { endpoint: target.endpoint, attempt, attempts, error: message });
      await options.sleep(options.connectRetryDelayMs);
    }
  }
}

export function postgresKysely(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
