/**
 * The sections server.conf and agent.conf share, as SPIRE: the keys of every `plugins {}`
 * block, `health_checks {}` and `telemetry {}`. Documented SPIRE keys tspire does not act on are
 * accepted and reported as warnings.
 */
import type { Decoded } from '../schema.js';
import { block, blockList, type Schema } from '../schema.js';
import { ConfigError } from '../config-error.js';
import { IGNORED_SETTING as IGNORED, checkPort } from './raw.js';

/** Keys every plugin block may have; plugin_data is decoded per plugin. */
export const pluginSchema = {
  plugin_cmd: 'string',
  plugin_args: 'any',
  plugin_checksum: 'string',
  plugin_data: 'any',
  plugin_data_file: 'string',
  enabled: 'bool',
} as const satisfies Schema;

export const healthChecksSchema = {
  listener_enabled: 'bool',
  bind_address: 'string',
  bind_port: 'string',
  live_path: 'string',
  ready_path: 'string',
} as const satisfies Schema;

export const telemetrySchema = {
  Prometheus: block({
    host: 'string',
    port: 'int',
    tls: block({
      cert_file: 'string',
      key_file: 'string',
      client_ca_file: 'string',
      use_spire_svid: 'bool',
      authorized_spiffe_ids: 'stringList',
    }),
  }),
  DogStatsd: blockList({ address: 'string' }),
  Statsd: blockList({ address: 'string' }),
  M3: blockList({ address: 'string', env: 'string' }),
  InMem: block({ enabled: 'bool' }),
  MetricPrefix: 'string',
  EnableTrustDomainLabel: 'bool',
  EnableHostnameLabel: 'bool',
  AllowedPrefixes: 'stringList',
  BlockedPrefixes: 'stringList',
  AllowedLabels: 'stringList',
  BlockedLabels: 'stringList',
} as const satisfies Schema;

export interface HealthChecksConfig {
  listenerEnabled: boolean;
  bindAddress: string;
  bindPort: number;
  livePath: string;
  readyPath: string;
}

export interface PrometheusConfig {
  host: string;
  port: number;
  tls?: {
    certFile?: string;
    keyFile?: string;
    clientCaFile?: string;
    useSpireSvid: boolean;
    authorizedSpiffeIds: string[];
  };
}

export interface TelemetryConfig {
  prometheus?: PrometheusConfig;
  metricPrefix: string;
  enableTrustDomainLabel: boolean;
  enableHostnameLabel: boolean;
  allowedPrefixes: string[];
  blockedPrefixes: string[];
  allowedLabels: string[];
  blockedLabels: string[];
}

/** `health_checks {}` with SPIRE's defaults (off; localhost:80, /live, /ready). */
export function buildHealthChecks(section: Decoded<typeof healthChecksSchema> | undefined): HealthChecksConfig {
  const s = section ?? {};
  const portText = s.bind_port ?? '80';
  if (!/^\d+$/.test(portText)) throw new ConfigError('health_checks.bind_port', `expected a port number, got ${JSON.stringify(portText)}`);
  const config: HealthChecksConfig = {
    listenerEnabled: s.listener_enabled ?? false,
    bindAddress: s.bind_address ?? 'localhost',
    bindPort: checkPort(Number(portText), 'health_checks.bind_port'),
    livePath: s.live_path ?? '/live',
    readyPath: s.ready_path ?? '/ready',
  };
  for (const [key, value] of [['live_path', config.livePath], ['ready_path', config.readyPath]] as const) {
    if (!value.startsWith('/')) throw new ConfigError(`health_checks.${key}`, `must start with "/", got ${JSON.stringify(value)}`);
  }
  return config;
}

/**
 * `telemetry {}`: Prometheus is acted on; the other sinks are reported as ignored.
 * `defaultPrefix` is SPIRE's MetricPrefix default (`spire_server` / `spire_agent`).
 */
export function buildTelemetry(section: Decoded<typeof telemetrySchema> | undefined, warnings: string[], defaultPrefix: string): TelemetryConfig {
  const s = section ?? {};
  const config: TelemetryConfig = {
    metricPrefix: s.MetricPrefix ?? defaultPrefix,
    enableTrustDomainLabel: s.EnableTrustDomainLabel ?? false,
    enableHostnameLabel: s.EnableHostnameLabel ?? true,
    allowedPrefixes: s.AllowedPrefixes ?? [],
    blockedPrefixes: s.BlockedPrefixes ?? [],
    allowedLabels: s.AllowedLabels ?? [],
    blockedLabels: s.BlockedLabels ?? [],
  };
  if (s.Prometheus !== undefined) {
    const { host, port, tls } = s.Prometheus;
    if (port === undefined) throw new ConfigError('telemetry.Prometheus.port', 'must be configured');
    const prometheus: PrometheusConfig = { host: host ?? 'localhost', port: checkPort(port, 'telemetry.Prometheus.port') };
    if (tls !== undefined) {
      prometheus.tls = { useSpireSvid: tls.use_spire_svid ?? false, authorizedSpiffeIds: tls.authorized_spiffe_ids ?? [] };
      if (tls.cert_file !== undefined) prometheus.tls.certFile = tls.cert_file;
      if (tls.key_file !== undefined) prometheus.tls.keyFile = tls.key_file;
      if (tls.client_ca_file !== undefined) prometheus.tls.clientCaFile = tls.client_ca_file;
    }
    config.prometheus = prometheus;
  }
  for (const sink of ['DogStatsd', 'Statsd', 'M3'] as const) {
    if ((s[sink] ?? []).length > 0) warnings.push(`telemetry.${sink}: ${IGNORED} (only Prometheus is)`);
  }
  if (s.InMem !== undefined && s.InMem.enabled !== false) warnings.push(`telemetry.InMem: ${IGNORED}`);
  return config;
}
