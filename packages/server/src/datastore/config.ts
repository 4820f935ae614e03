// Datastore configuration: SPIRE's DataStore "sql" plugin_data keys, validated with messages
// naming the key, plus the options openDatastore accepts.
import { DatastoreError } from './errors.js';

export type DatabaseType = 'sqlite3' | 'postgres';

export interface DatastoreConfig {
  /** `sqlite3` (default in SPIRE's samples) or `postgres`; anything else is refused. */
  databaseType: string;
  /** sqlite3: file path or `file:` URI; postgres: URL or libpq `key=value` string. */
  connectionString: string;
  /** PostgreSQL pool size (SPIRE's max_open_conns, default 100). */
  maxOpenConns?: number;
  /** Do not migrate; refuse a database whose schema is older than this code. */
  disableMigration?: boolean;
  /** PostgreSQL: extra connection attempts at start when the server is unreachable (default 0). */
  connectRetries?: number;
  /** PostgreSQL: delay between connection attempts (default 1000 ms). */
  connectRetryDelayMs?: number;
}

export interface CheckedDatastoreConfig {
  databaseType: DatabaseType;
  connectionString: string;
  maxOpenConns: number;
  disableMigration: boolean;
  connectRetries: number;
  connectRetryDelayMs: number;
}

export const DEFAULT_MAX_OPEN_CONNS = 100;

function badConfig(message: string): DatastoreError {
  return new DatastoreError('ERR_DATASTORE_BAD_CONFIG', message);
}

function nonNegativeInteger(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badConfig(`${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkDatastoreConfig(config: DatastoreConfig): CheckedDatastoreConfig {
  const type = config.databaseType;
  if (type !== 'sqlite3' && type !== 'postgres') {
    throw badConfig(`unsupported database_type ${JSON.stringify(type)}: supported types are "sqlite3" and "postgres"`);
  }
  if (typeof config.connectionString !== 'string' || config.connectionString.trim() === '') {
    throw badConfig('connection_string must be set');
  }
  const maxOpenConns = nonNegativeInteger(config.maxOpenConns, 'max_open_conns', DEFAULT_MAX_OPEN_CONNS);
  return {
    databaseType: type,
    connectionString: config.connectionString.trim(),
    // SPIRE treats 0 as "unlimited"; a pool needs a bound, so 0 means the default.
    maxOpenConns: maxOpenConns === 0 ? DEFAULT_MAX_OPEN_CONNS : maxOpenConns,
    disableMigration: config.disableMigration === true,
    connectRetries: nonNegativeInteger(config.connectRetries, 'connectRetries', 0),
    connectRetryDelayMs: nonNegativeInteger(config.connectRetryDelayMs, 'connectRetryDelayMs', 1000),
  };
}

/** Keys SPIRE accepts that tspire reads but does not act on (reported as warnings). */
const IGNORED_KEYS = new Set([
  'ro_connection_string', 'root_ca_path', 'client_cert_path', 'client_key_path', 'max_idle_conns',
  'conn_max_lifetime', 'log_sql',
]);
const KNOWN_KEYS = new Set(['database_type', 'connection_string', 'max_open_conns', 'disable_migration', ...IGNORED_KEYS]);

/**
 * Maps a parsed `DataStore "sql" { plugin_data { ... } }` block to a DatastoreConfig.
 * Unknown and unsupported keys come back as warnings for the caller to log.
 */
export function datastoreConfigFromPluginData(data: Record<string, unknown>): { config: DatastoreConfig; warnings: string[] } {
  const warnings: string[] = [];
  for (const key of Object.keys(data)) {
    if (!KNOWN_KEYS.has(key)) warnings.push(`DataStore "sql": unknown key ${JSON.stringify(key)} ignored`);
    else if (IGNORED_KEYS.has(key)) warnings.push(`DataStore "sql": ${key} is not supported by tspire and is ignored`);
  }
  const type = data['database_type'];
  if (typeof type !== 'string') {
    throw badConfig(
      type === undefined
        ? 'DataStore "sql": database_type must be set'
        : 'DataStore "sql": unsupported database_type (block form such as aws_postgres is not supported)',
    );
  }
  const connectionString = data['connection_string'];
  if (typeof connectionString !== 'string' || connectionString === '') {
    throw badConfig('DataStore "sql": connection_string must be set');
  }
  const config: DatastoreConfig = { databaseType: type, connectionString };
  const maxOpenConns = data['max_open_conns'];
  if (maxOpenConns !== undefined) {
    if (typeof maxOpenConns !== 'number') throw badConfig('DataStore "sql": max_open_conns must be a number');
    config.maxOpenConns = maxOpenConns;
  }
  const disableMigration = data['disable_migration'];
  if (disableMigration !== undefined) {
    if (typeof disableMigration !== 'boolean') throw badConfig('DataStore "sql": disable_migration must be a boolean');
    config.disableMigration = disableMigration;
  }
  checkDatastoreConfig(config);
  return { config, warnings };
}
