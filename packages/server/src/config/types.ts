/**
 * The server's typed configuration: what loadServerConfig returns after reading SPIRE's
 * server.conf, applying flags and defaults, and validating. Durations are milliseconds, ports
 * numbers, file paths absolute (relative ones are resolved against the working directory).
 */
import type { HealthChecksConfig, TelemetryConfig } from '@tspire/common';
import type { LogFormat, LogLevel } from '@tspire/common';
import type { SpiffeId, TrustDomain } from '@tspire/spiffe';

export type { HealthChecksConfig, PrometheusConfig, TelemetryConfig } from '@tspire/common';

export const KEY_TYPES = ['rsa-2048', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;
export type ConfigKeyType = (typeof KEY_TYPES)[number];

export interface CaSubject {
  country: string[];
  organization: string[];
  commonName: string;
}

/** `federation.bundle_endpoint`: this server's own SPIFFE bundle endpoint. */
export interface BundleEndpointConfig {
  address: string;
  port: number;
  refreshHint: number;
  profile: BundleEndpointProfile;
}

export type BundleEndpointProfile =
  | { kind: 'https_spiffe' }
  | { kind: 'https_web'; acme: AcmeConfig }
  | { kind: 'https_web'; servingCertFile: ServingCertFileConfig };

export interface AcmeConfig {
  domainName: string;
  email: string;
  directoryUrl: string;
  tosAccepted: boolean;
}

export interface ServingCertFileConfig {
  certFilePath: string;
  keyFilePath: string;
  fileSyncInterval: number;
}

/** `federation.federates_with "<td>"`: a static federation relationship. */
export interface FederatesWithConfig {
  trustDomain: TrustDomain;
  bundleEndpointUrl: string;
  profile: { kind: 'https_web' } | { kind: 'https_spiffe'; endpointSpiffeId: SpiffeId };
}

export interface FederationConfig {
  bundleEndpoint?: BundleEndpointConfig;
  federatesWith: FederatesWithConfig[];
}

/** `experimental {}`: the keys tspire acts on (others are accepted, see warnings). */
export interface ExperimentalConfig {
  cacheReloadInterval: number;
  eventsBasedCache: boolean;
  fullCacheReloadInterval: number;
  pruneEventsOlderThan: number;
  eventTimeout: number;
  /** Adds selector `spiffe_id:<agent ID>` to every attested agent. */
  agentSpiffeIdAsSelector: boolean;
}

export interface SqlDataStoreConfig {
  name: 'sql';
  databaseType: 'sqlite3' | 'postgres';
  /** May hold credentials: never log it. */
  connectionString: string;
  roConnectionString?: string;
  maxOpenConns: number;
  maxIdleConns: number;
  /** Milliseconds; absent = unlimited. */
  connMaxLifetime?: number;
  disableMigration: boolean;
  logSql: boolean;
}

export type KeyManagerConfig = { name: 'disk'; keysPath: string } | { name: 'memory' };

export interface X509PopNodeAttestorConfig {
  name: 'x509pop';
  mode: 'external_pki' | 'spiffe';
  svidPrefix: string;
  caBundlePaths: string[];
  agentPathTemplate?: string;
  maxIntermediates: number;
  maxRsaKeySize: number;
  verifyClientIp: boolean;
}

export type NodeAttestorConfig = { name: 'join_token' } | X509PopNodeAttestorConfig;

export interface DiskUpstreamAuthorityConfig {
  name: 'disk';
  certFilePath: string;
  keyFilePath: string;
  bundleFilePath?: string;
}

export interface PluginsConfig {
  dataStore: SqlDataStoreConfig;
  keyManager: KeyManagerConfig;
  nodeAttestors: NodeAttestorConfig[];
  upstreamAuthority?: DiskUpstreamAuthorityConfig;
}

export interface ServerConfig {
  bindAddress: string;
  bindPort: number;
  socketPath: string;
  trustDomain: TrustDomain;
  dataDir: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Absent: log to stderr. */
  logFile?: string;
  logSourceLocation: boolean;
  caKeyType: ConfigKeyType;
  jwtKeyType: ConfigKeyType;
  caSubject: CaSubject;
  caTtl: number;
  defaultX509SvidTtl: number;
  defaultJwtSvidTtl: number;
  agentTtl: number;
  jwtIssuer?: string;
  disableJwtSvids: boolean;
  adminIds: SpiffeId[];
  auditLogEnabled: boolean;
  ratelimit: { attestation: boolean; signing: boolean };
  federation: FederationConfig;
  /** Absent: attested nodes are never pruned. */
  pruneAttestedNodesExpiredFor?: number;
  pruneAttestedNodesBatchSize: number;
  pruneTofuNodes: boolean;
  experimental: ExperimentalConfig;
  plugins: PluginsConfig;
  healthChecks: HealthChecksConfig;
  telemetry: TelemetryConfig;
}

/** What loadServerConfig returns. */
export interface LoadedServerConfig {
  config: ServerConfig;
  /** Things the operator should know: ignored keys and plugins, TTLs that rotation will cut. */
  warnings: string[];
  /** Absolute path of the file read. */
  configPath: string;
}
