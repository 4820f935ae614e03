/**
 * The agent's typed configuration: what loadAgentConfig returns after reading SPIRE's
 * agent.conf, applying `spire-agent run` flags and defaults, and validating. Durations are
 * milliseconds, ports numbers, file paths absolute (relative ones are resolved against the
 * working directory, as SPIRE resolves them).
 */
import type { HealthChecksConfig, TelemetryConfig } from '@tspire/common';
import type { LogFormat, LogLevel } from '@tspire/common';
import type { SpiffeId, TrustDomain } from '@tspire/spiffe';
import type { CsrKeyType } from '../client/csr.js';

export type { HealthChecksConfig, PrometheusConfig, TelemetryConfig } from '@tspire/common';

export type TrustBundleFormat = 'pem' | 'spiffe';

/**
 * Where the agent gets the bundle it trusts the server with on first start (later starts use
 * the bundle kept in data_dir). Exactly one source, as SPIRE requires.
 */
export type TrustBundleSource =
  | { kind: 'path'; path: string; format: TrustBundleFormat }
  /** `https://` (or `http://` through `unixSocket`, SPIRE's trust_bundle_unix_socket). */
  | { kind: 'url'; url: string; format: TrustBundleFormat; unixSocket?: string }
  /** insecure_bootstrap: the first connection does not authenticate the server. */
  | { kind: 'insecure' };

/** `sds {}`: names of the Envoy SDS resources. */
export interface SdsConfig {
  defaultSvidName: string;
  defaultBundleName: string;
  defaultAllBundlesName: string;
  disableSpiffeCertValidation: boolean;
}

/** `experimental {}`: the keys tspire acts on (others are accepted, see warnings). */
export interface ExperimentalConfig {
  /** How often entries are synced with the server (SPIRE default 5s). */
  syncInterval: number;
}

export type AgentKeyManagerConfig = { name: 'disk'; directory: string } | { name: 'memory' };

export interface X509PopAgentNodeAttestorConfig {
  name: 'x509pop';
  privateKeyPath: string;
  certificatePath: string;
  intermediatesPath?: string;
}

export type AgentNodeAttestorConfig = { name: 'join_token' } | X509PopAgentNodeAttestorConfig;

export interface UnixWorkloadAttestorConfig {
  name: 'unix';
  /** Adds `unix:path` and `unix:sha256` selectors. */
  discoverWorkloadPath: boolean;
  /** Bytes hashed for `unix:sha256` at most: 0 = no limit, negative = never hash. */
  workloadSizeLimit: number;
}

export interface DockerWorkloadAttestorConfig {
  name: 'docker';
  /** Path of the Docker Engine API UNIX socket (from `unix:///var/run/docker.sock`). */
  dockerSocketPath: string;
  /** Engine API version to call (e.g. `1.41`); absent: the engine's own. */
  dockerVersion?: string;
}

export type WorkloadAttestorConfig = UnixWorkloadAttestorConfig | DockerWorkloadAttestorConfig;

export interface AgentPluginsConfig {
  nodeAttestor: AgentNodeAttestorConfig;
  keyManager: AgentKeyManagerConfig;
  /** At least one, in the order written. */
  workloadAttestors: WorkloadAttestorConfig[];
}

export interface AgentConfig {
  serverAddress: string;
  serverPort: number;
  trustDomain: TrustDomain;
  trustBundle: TrustBundleSource;
  /** From join_token, join_token_file (trimmed), -joinToken or -joinTokenFile. A secret: never log it. */
  joinToken?: string;
  dataDir: string;
  /** The Workload API socket (public). */
  socketPath: string;
  /** The admin API socket; absent = disabled. Never inside socketPath's directory. */
  adminSocketPath?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Absent: log to stderr. */
  logFile?: string;
  logSourceLocation: boolean;
  /** LRU bound of cached X.509-SVIDs (0 in the file means the default, 1000). */
  x509SvidCacheMaxSize: number;
  jwtSvidCacheMaxSize: number;
  workloadX509SvidKeyType: CsrKeyType;
  /** Rotate X.509-SVIDs so they stay valid at least this long (>= 24h); absent = half-life rotation only. */
  availabilityTarget?: number;
  allowUnauthenticatedVerifiers: boolean;
  allowedForeignJwtClaims: string[];
  /** Callers allowed on the admin socket's DelegatedIdentity API; members of trustDomain. */
  authorizedDelegates: SpiffeId[];
  disableWorkloadApi: boolean;
  disableSdsApi: boolean;
  sds: SdsConfig;
  experimental: ExperimentalConfig;
  plugins: AgentPluginsConfig;
  healthChecks: HealthChecksConfig;
  telemetry: TelemetryConfig;
}

/** What loadAgentConfig returns. */
export interface LoadedAgentConfig {
  config: AgentConfig;
  /** Things the operator should know: ignored keys and plugins, deprecated settings. */
  warnings: string[];
  /** Absolute path of the file read. */
  configPath: string;
}
