/**
 * plugin_data of the built-in plugins tspire implements: their schemas (so unknown keys are
 * caught) and their validation into typed configs. Plugin names per type are listed in
 * SUPPORTED_PLUGINS; anything else is refused with the supported names.
 */
import type { PluginDataInput } from '@tspire/common';
import { ConfigError, type Decoded, type PlainObject, type Schema } from '@tspire/common';
import { absolutePath, fail, isPlainObject } from './raw.js';
import type {
  DiskUpstreamAuthorityConfig,
  KeyManagerConfig,
  NodeAttestorConfig,
  SqlDataStoreConfig,
  X509PopNodeAttestorConfig,
} from './types.js';

const sqlSchema = {
  database_type: 'any',
  connection_string: 'string',
  ro_connection_string: 'string',
  root_ca_path: 'string',
  client_cert_path: 'string',
  client_key_path: 'string',
  max_open_conns: 'int',
  max_idle_conns: 'int',
  conn_max_lifetime: 'duration',
  disable_migration: 'bool',
  log_sql: 'bool',
} as const satisfies Schema;

const x509popSchema = {
  mode: 'string',
  svid_prefix: 'string',
  // SPIRE 1.15 reads the prefix from `spiffe_prefix` while its docs say `svid_prefix`: both work.
  spiffe_prefix: 'string',
  ca_bundle_path: 'string',
  ca_bundle_paths: 'stringList',
  agent_path_template: 'string',
  max_intermediates: 'int',
  max_rsa_key_size: 'int',
  verify_client_ip: 'bool',
} as const satisfies Schema;

const diskKeyManagerSchema = { keys_path: 'string' } as const satisfies Schema;
const diskUpstreamSchema = { cert_file_path: 'string', key_file_path: 'string', bundle_file_path: 'string' } as const satisfies Schema;

/** Plugin type -> name -> plugin_data schema, for the plugins tspire has built in. */
export const SUPPORTED_PLUGINS: Readonly<Record<string, Readonly<Record<string, Schema>>>> = {
  DataStore: { sql: sqlSchema },
  KeyManager: { disk: diskKeyManagerSchema, memory: {} },
  NodeAttestor: { join_token: {}, x509pop: x509popSchema },
  UpstreamAuthority: { disk: diskUpstreamSchema },
};

/** SPIRE server plugin types tspire does not implement at all. */
export const UNSUPPORTED_PLUGIN_TYPES = ['Notifier', 'BundlePublisher', 'CredentialComposer'] as const;

export type { PluginDataInput };

function required(input: PluginDataInput<Schema>, key: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') fail(`${input.path}.${key}`, 'must be configured', input.raw, key);
  return value;
}

function nonNegative(input: PluginDataInput<Schema>, key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value < 0) fail(`${input.path}.${key}`, `must not be negative, got ${value}`, input.raw, key);
  return value;
}

function databaseType(input: PluginDataInput<typeof sqlSchema>): 'sqlite3' | 'postgres' {
  const path = `${input.path}.database_type`;
  const value = input.data.database_type;
  if (value === undefined) fail(path, 'must be configured (sqlite3 or postgres)', input.raw, 'database_type');
  const block = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (isPlainObject(block)) {
    // `database_type "aws_postgres" { region = ... }`: IAM authentication against AWS RDS.
    const names = Object.keys(block).map((n) => JSON.stringify(n)).join(', ');
    fail(path, `database type ${names} is not supported by tspire (supported: sqlite3, postgres)`, input.raw, 'database_type');
  }
  if (typeof value !== 'string') fail(path, 'expected a string such as "sqlite3" or "postgres"', input.raw, 'database_type');
  if (value === 'sqlite3' || value === 'postgres') return value;
  const reason = value === 'mysql' || value.startsWith('aws_') ? 'is not supported by tspire' : 'is not a known database type';
  return fail(path, `database type ${JSON.stringify(value)} ${reason} (supported: sqlite3, postgres)`, input.raw, 'database_type');
}

/** sqlite3 file paths are relative to the working directory; URIs and :memory: stay as written. */
function sqliteConnection(cwd: string, value: string): string {
  if (value.startsWith('file:') || value === ':memory:') return value;
  return absolutePath(cwd, value);
}

export function buildSqlDataStore(input: PluginDataInput<typeof sqlSchema>): SqlDataStoreConfig {
  const { data } = input;
  const type = databaseType(input);
  const raw = required(input, 'connection_string', data.connection_string).trim();
  for (const key of ['root_ca_path', 'client_cert_path', 'client_key_path'] as const) {
    if (data[key] !== undefined) input.warnings.push(`${input.path}.${key}: only used with MySQL, ignored`);
  }
  if (data.conn_max_lifetime !== undefined && data.conn_max_lifetime < 0) {
    fail(`${input.path}.conn_max_lifetime`, 'must not be negative', input.raw, 'conn_max_lifetime');
  }
  const config: SqlDataStoreConfig = {
    name: 'sql',
    databaseType: type,
    connectionString: type === 'sqlite3' ? sqliteConnection(input.cwd, raw) : raw,
    maxOpenConns: nonNegative(input, 'max_open_conns', data.max_open_conns, 100),
    maxIdleConns: nonNegative(input, 'max_idle_conns', data.max_idle_conns, 100),
    disableMigration: data.disable_migration ?? false,
    logSql: data.log_sql ?? false,
  };
  if (data.ro_connection_string !== undefined && data.ro_connection_string.trim() !== '') {
    const ro = data.ro_connection_string.trim();
    config.roConnectionString = type === 'sqlite3' ? sqliteConnection(input.cwd, ro) : ro;
  }
  if (data.conn_max_lifetime !== undefined && data.conn_max_lifetime > 0) config.connMaxLifetime = data.conn_max_lifetime;
  return config;
}

export function buildKeyManager(name: string, input: PluginDataInput<typeof diskKeyManagerSchema>): KeyManagerConfig {
  if (name === 'memory') return { name: 'memory' };
  return { name: 'disk', keysPath: absolutePath(input.cwd, required(input, 'keys_path', input.data.keys_path)) };
}

/** `svid_prefix` (SPIRE's docs) or `spiffe_prefix` (what SPIRE 1.15 reads): one setting, two names. */
function x509PopPrefix(input: PluginDataInput<typeof x509popSchema>): string {
  const { data, path } = input;
  if (data.svid_prefix !== undefined && data.spiffe_prefix !== undefined) {
    fail(`${path}.svid_prefix`, 'svid_prefix and spiffe_prefix are two names for the same setting; configure only one', input.raw, 'svid_prefix');
  }
  const key = data.spiffe_prefix !== undefined ? 'spiffe_prefix' : 'svid_prefix';
  const prefix = data.svid_prefix ?? data.spiffe_prefix ?? '/spire-exchange';
  if (!prefix.startsWith('/')) fail(`${path}.${key}`, 'must start with "/"', input.raw, key);
  return prefix;
}

function buildX509Pop(input: PluginDataInput<typeof x509popSchema>): X509PopNodeAttestorConfig {
  const { data, path } = input;
  const mode = data.mode ?? 'external_pki';
  if (mode !== 'external_pki' && mode !== 'spiffe') {
    fail(`${path}.mode`, `must be "external_pki" or "spiffe", got ${JSON.stringify(mode)}`, input.raw, 'mode');
  }
  const paths = [...(data.ca_bundle_path === undefined ? [] : [data.ca_bundle_path]), ...(data.ca_bundle_paths ?? [])];
  if (data.ca_bundle_path !== undefined && data.ca_bundle_paths !== undefined) {
    fail(`${path}.ca_bundle_path`, 'only one of ca_bundle_path or ca_bundle_paths can be configured, not both', input.raw, 'ca_bundle_path');
  }
  if (mode === 'external_pki' && paths.length === 0) {
    throw new ConfigError(path, 'one of ca_bundle_path or ca_bundle_paths must be configured in external_pki mode');
  }
  if (mode === 'spiffe' && paths.length > 0) {
    throw new ConfigError(path, 'ca_bundle_path and ca_bundle_paths cannot be used in spiffe mode (the trust bundle is used)');
  }
  const svidPrefix = x509PopPrefix(input);
  const config: X509PopNodeAttestorConfig = {
    name: 'x509pop',
    mode,
    svidPrefix,
    caBundlePaths: paths.map((p) => absolutePath(input.cwd, p)),
    maxIntermediates: nonNegative(input, 'max_intermediates', data.max_intermediates, 4),
    maxRsaKeySize: nonNegative(input, 'max_rsa_key_size', data.max_rsa_key_size, 8192),
    verifyClientIp: data.verify_client_ip ?? false,
  };
  if (data.agent_path_template !== undefined) config.agentPathTemplate = data.agent_path_template;
  return config;
}

export function buildNodeAttestor(name: string, input: PluginDataInput<Schema>): NodeAttestorConfig {
  if (name === 'join_token') return { name: 'join_token' };
  return buildX509Pop(input as PluginDataInput<typeof x509popSchema>);
}

export function buildDiskUpstream(input: PluginDataInput<typeof diskUpstreamSchema>): DiskUpstreamAuthorityConfig {
  const { data, cwd } = input;
  const config: DiskUpstreamAuthorityConfig = {
    name: 'disk',
    certFilePath: absolutePath(cwd, required(input, 'cert_file_path', data.cert_file_path)),
    keyFilePath: absolutePath(cwd, required(input, 'key_file_path', data.key_file_path)),
  };
  if (data.bundle_file_path !== undefined && data.bundle_file_path !== '') {
    config.bundleFilePath = absolutePath(cwd, data.bundle_file_path);
  }
  return config;
}
