/**
 * Flags of `spire-server run` and `spire-server validate` (SPIRE 1.15 names and defaults).
 * The CLI parses argv with `serverFlags` and hands the result to loadServerConfig; flags that
 * were given override the file, which overrides the defaults.
 */
import { defineFlags, type ParsedFlags } from '@tspire/common';

export const DEFAULT_CONFIG_PATH = 'conf/server/server.conf';

export const serverFlagSpecs = {
  bindAddress: { kind: 'string', usage: 'IP address or DNS name of the SPIRE server' },
  serverPort: { kind: 'int', usage: 'Port number of the SPIRE server' },
  config: { kind: 'string', usage: 'Path to a SPIRE config file', default: DEFAULT_CONFIG_PATH },
  dataDir: { kind: 'string', usage: 'Directory to store runtime data to' },
  logFile: { kind: 'string', usage: 'File to write logs to' },
  logFormat: { kind: 'string', usage: "'text' or 'json'" },
  logLevel: { kind: 'string', usage: "'debug', 'info', 'warn', or 'error'" },
  logSourceLocation: { kind: 'bool', usage: 'Include source file, line number and method name fields in log lines' },
  trustDomain: { kind: 'string', usage: 'The trust domain that this server belongs to (should be no more than 255 characters)' },
  expandEnv: { kind: 'bool', usage: 'Expand environment variables in SPIRE config file' },
  socketPath: { kind: 'string', usage: 'Path to bind the SPIRE Server API socket to' },
} as const;

export type ServerFlagSpecs = typeof serverFlagSpecs;
export type ParsedServerFlags = ParsedFlags<ServerFlagSpecs>;

/** The flag set of `run` and `validate`. @example serverFlags.parse(['-config', 'server.conf']) */
export const serverFlags = defineFlags(serverFlagSpecs);

/** Flag name -> the `server {}` key it overrides. */
export const FLAG_KEYS = {
  bindAddress: 'bind_address',
  serverPort: 'bind_port',
  dataDir: 'data_dir',
  logFile: 'log_file',
  logFormat: 'log_format',
  logLevel: 'log_level',
  logSourceLocation: 'log_source_location',
  trustDomain: 'trust_domain',
  socketPath: 'socket_path',
} as const satisfies Partial<Record<keyof ServerFlagSpecs, string>>;
