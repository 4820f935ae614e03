/**
 * spiffe-helper's HCL config (v0.11.0 keys), read and checked as the original does: unknown
 * top-level keys fail, the three X.509 file names come all or none, at least one output is
 * required, modes are file permission bits (write them in octal: `0644`), and the agent address
 * falls back to SPIFFE_ENDPOINT_SOCKET, then the deprecated SPIRE_AGENT_ADDRESS, then
 * /tmp/spire-agent/public/api.sock.
 * @example
 * const { config, warnings } = parseHelperConfig(readFileSync('helper.conf', 'utf8'), { filename: 'helper.conf', env: process.env });
 */
import { constants } from 'node:os';
import { join } from 'node:path';
import { ConfigError, block, blockList, decodeConfig, loadConfigText, throwOnUnknownKeys, type Schema } from '@tspire/common';
import { CmdArgsError, splitCmdArgs } from './cmd-args.js';

export const DEFAULT_AGENT_SOCKET = '/tmp/spire-agent/public/api.sock';
export const DEFAULT_CONFIG_FILE = 'helper.conf';

const helperSchema = {
  agent_address: 'string',
  cmd: 'string',
  cmd_args: 'string',
  pid_file_name: 'string',
  cert_dir: 'string',
  daemon_mode: 'bool',
  add_intermediates_to_bundle: 'bool',
  include_federated_domains: 'bool',
  omit_expired: 'bool',
  renew_signal: 'string',
  svid_file_name: 'string',
  svid_key_file_name: 'string',
  svid_bundle_file_name: 'string',
  jwt_svids: blockList({ jwt_audience: 'string', jwt_extra_audiences: 'stringList', jwt_svid_file_name: 'string' }),
  jwt_bundle_file_name: 'string',
  cert_file_mode: 'int',
  key_file_mode: 'int',
  jwt_bundle_file_mode: 'int',
  jwt_svid_file_mode: 'int',
  hint: 'string',
  health_checks: block({ listener_enabled: 'bool', bind_port: 'int', liveness_path: 'string', readiness_path: 'string' }),
} as const satisfies Schema;

export interface X509Files {
  /** Full paths (cert_dir joined with the configured names). */
  readonly svid: string;
  readonly key: string;
  readonly bundle: string;
}

export interface JwtSvidOutput {
  readonly audience: string;
  readonly extraAudiences: readonly string[];
  /** Full path. */
  readonly file: string;
}

export interface HealthChecks {
  readonly listenerEnabled: boolean;
  readonly bindPort: number;
  readonly livenessPath: string;
  readonly readinessPath: string;
}

export interface HelperConfig {
  /** The socket path (no scheme), and the Workload API address built from it. */
  readonly agentSocketPath: string;
  readonly agentAddress: string;
  /** Empty when no process is launched. */
  readonly cmd: string;
  readonly cmdArgs: readonly string[];
  readonly pidFileName: string | undefined;
  readonly renewSignal: NodeJS.Signals | undefined;
  readonly certDir: string;
  readonly x509: X509Files | undefined;
  readonly addIntermediatesToBundle: boolean;
  readonly includeFederatedDomains: boolean;
  readonly omitExpired: boolean;
  readonly jwtSvids: readonly JwtSvidOutput[];
  readonly jwtBundleFile: string | undefined;
  readonly certFileMode: number;
  readonly keyFileMode: number;
  readonly jwtBundleFileMode: number;
  readonly jwtSvidFileMode: number;
  readonly hint: string | undefined;
  readonly daemonMode: boolean;
  readonly healthChecks: HealthChecks;
}

export interface ParseHelperConfigOptions {
  /** Named in error positions. */
  readonly filename?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `-daemon-mode` given on the command line: wins over the file. */
  readonly daemonMode?: boolean;
}

export interface ParsedHelperConfig {
  readonly config: HelperConfig;
  /** Things the original accepts with a warning (cmd ignored in one-shot mode, unknown nested keys). */
  readonly warnings: readonly string[];
}

/** Parses and validates helper.conf text. Throws ConfigError (or HclError) naming the key. */
export function parseHelperConfig(text: string, options: ParseHelperConfigOptions = {}): ParsedHelperConfig {
  const plain = loadConfigText(text, options.filename === undefined ? {} : { filename: options.filename });
  const { value: raw, unknownKeys } = decodeConfig(plain, helperSchema);
  throwOnUnknownKeys(unknownKeys.filter((key) => !key.path.includes('.') && !key.path.includes('[')));
  const warnings = unknownKeys.map((key) => `unknown key ${key.path} ignored`);

  const daemonMode = options.daemonMode ?? raw.daemon_mode ?? true;
  const certDir = raw.cert_dir ?? '';
  const inDir = (name: string): string => join(certDir, name);
  const socket = resolveAgentSocket(raw.agent_address, options.env ?? {});

  let cmd = raw.cmd ?? '';
  let cmdArgs = parseCmdArgs(raw.cmd_args ?? '');
  let renewSignal = parseSignal(raw.renew_signal);
  const pidFileName = nonEmpty(raw.pid_file_name);
  if (!daemonMode) {
    if (pidFileName !== undefined) throw new ConfigError('pid_file_name', 'is not allowed when daemon_mode is false');
    if (cmd !== '' || raw.cmd_args) warnings.push('cmd and cmd_args are ignored when daemon_mode is false');
    if (renewSignal !== undefined) warnings.push('renew_signal is ignored when daemon_mode is false');
    cmd = '';
    cmdArgs = [];
    renewSignal = undefined;
  } else if (pidFileName !== undefined && renewSignal === undefined) {
    throw new ConfigError('pid_file_name', 'requires renew_signal');
  }

  const jwtSvids = (raw.jwt_svids ?? []).map((entry, index): JwtSvidOutput => {
    const audience = nonEmpty(entry.jwt_audience);
    const file = nonEmpty(entry.jwt_svid_file_name);
    if (audience === undefined) throw new ConfigError(`jwt_svids[${index}].jwt_audience`, 'is required');
    if (file === undefined) throw new ConfigError(`jwt_svids[${index}].jwt_svid_file_name`, 'is required (jwt_file_name)');
    return { audience, extraAudiences: entry.jwt_extra_audiences ?? [], file: inDir(file) };
  });
  const x509 = x509Files(raw.svid_file_name, raw.svid_key_file_name, raw.svid_bundle_file_name, inDir);
  const jwtBundleName = nonEmpty(raw.jwt_bundle_file_name);
  if (x509 === undefined && jwtSvids.length === 0 && jwtBundleName === undefined) {
    throw new ConfigError('', 'at least one output is required: svid_file_name/svid_key_file_name/svid_bundle_file_name, jwt_svids or jwt_bundle_file_name');
  }

  const health = raw.health_checks ?? {};
  const bindPort = health.bind_port ?? 8081;
  if (bindPort < 0 || bindPort > 65535) throw new ConfigError('health_checks.bind_port', `${bindPort} is not a TCP port`);
  const config: HelperConfig = {
    agentSocketPath: socket,
    agentAddress: `unix://${socket}`,
    cmd,
    cmdArgs,
    // The pid file is a path of its own, not inside cert_dir.
    pidFileName,
    renewSignal,
    certDir,
    x509,
    addIntermediatesToBundle: raw.add_intermediates_to_bundle ?? false,
    includeFederatedDomains: raw.include_federated_domains ?? false,
    omitExpired: raw.omit_expired ?? false,
    jwtSvids,
    jwtBundleFile: jwtBundleName === undefined ? undefined : inDir(jwtBundleName),
    certFileMode: fileMode('cert_file_mode', raw.cert_file_mode, 0o644),
    keyFileMode: fileMode('key_file_mode', raw.key_file_mode, 0o600),
    jwtBundleFileMode: fileMode('jwt_bundle_file_mode', raw.jwt_bundle_file_mode, 0o600),
    jwtSvidFileMode: fileMode('jwt_svid_file_mode', raw.jwt_svid_file_mode, 0o600),
    hint: nonEmpty(raw.hint),
    daemonMode,
    healthChecks: {
      listenerEnabled: daemonMode && (health.listener_enabled ?? false),
      bindPort,
      livenessPath: health.liveness_path ?? '/live',
      readinessPath: health.readiness_path ?? '/ready',
    },
  };
  return { config, warnings };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** agent_address, else SPIFFE_ENDPOINT_SOCKET, else SPIRE_AGENT_ADDRESS (not both), else the default. */
export function resolveAgentSocket(configured: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  let key = 'agent_address';
  let socket = nonEmpty(configured);
  if (socket === undefined) {
    const endpoint = nonEmpty(env['SPIFFE_ENDPOINT_SOCKET']);
    const legacy = nonEmpty(env['SPIRE_AGENT_ADDRESS']);
    if (endpoint !== undefined && legacy !== undefined) {
      throw new ConfigError('agent_address', 'both SPIFFE_ENDPOINT_SOCKET and SPIRE_AGENT_ADDRESS are set; unset the deprecated SPIRE_AGENT_ADDRESS');
    }
    if (endpoint !== undefined) key = 'agent_address (from SPIFFE_ENDPOINT_SOCKET)';
    else if (legacy !== undefined) key = 'agent_address (from SPIRE_AGENT_ADDRESS)';
    socket = endpoint ?? legacy ?? DEFAULT_AGENT_SOCKET;
  }
  // The helper prepends unix:// itself, so a scheme here makes an invalid address.
  if (socket.includes('://') || /^[a-z]+:/i.test(socket)) {
    throw new ConfigError(key, `${JSON.stringify(socket)} is not a socket path: give the path only (spiffe-helper prepends unix://)`);
  }
  if (!socket.startsWith('/')) throw new ConfigError(key, `${JSON.stringify(socket)} must be an absolute socket path`);
  return socket;
}

function x509Files(svid: string | undefined, key: string | undefined, bundle: string | undefined, inDir: (name: string) => string): X509Files | undefined {
  const names = { svid_file_name: nonEmpty(svid), svid_key_file_name: nonEmpty(key), svid_bundle_file_name: nonEmpty(bundle) };
  const set = Object.entries(names).filter(([, v]) => v !== undefined);
  if (set.length === 0) return undefined;
  if (set.length !== 3) {
    const missing = Object.entries(names).filter(([, v]) => v === undefined).map(([k]) => k);
    throw new ConfigError(missing[0] ?? 'svid_file_name', `svid_file_name, svid_key_file_name and svid_bundle_file_name must all be set or none (missing ${missing.join(', ')})`);
  }
  return { svid: inDir(names.svid_file_name!), key: inDir(names.svid_key_file_name!), bundle: inDir(names.svid_bundle_file_name!) };
}

function parseCmdArgs(text: string): string[] {
  try {
    return splitCmdArgs(text);
  } catch (err) {
    if (err instanceof CmdArgsError) throw new ConfigError('cmd_args', err.message);
    throw err;
  }
}

function parseSignal(name: string | undefined): NodeJS.Signals | undefined {
  if (name === undefined || name === '') return undefined;
  if (!Object.prototype.hasOwnProperty.call(constants.signals, name)) {
    throw new ConfigError('renew_signal', `${JSON.stringify(name)} is not a signal name (e.g. "SIGHUP", "SIGUSR1")`);
  }
  return name as NodeJS.Signals;
}

/** Permission bits only: HCL reads `0644` as octal; a decimal `644` is refused, not misread. */
function fileMode(key: string, value: number | undefined, fallback: number): number {
  // 0 is Go's zero value: the original treats it as unset.
  if (value === undefined || value === 0) return fallback;
  if (value < 0 || value > 0o777) {
    throw new ConfigError(key, `${value} is not a file mode: write permission bits in octal with a leading 0, e.g. 0644`);
  }
  return value;
}
