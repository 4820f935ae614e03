/**
 * The smaller sections: `health_checks {}`, `telemetry {}` and `server.experimental {}`.
 * Documented SPIRE keys tspire does not act on are accepted and reported as warnings, except
 * where ignoring them would weaken security (those fail).
 */
import { ConfigError, type Decoded } from '@tspire/common';
import { checkPort } from './raw.js';
import type { experimentalSchema, healthChecksSchema, telemetrySchema } from './schema.js';
import type { ExperimentalConfig, HealthChecksConfig, PrometheusConfig, TelemetryConfig } from './types.js';

export const IGNORED = 'not supported by tspire, ignored';

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
  for (const key of ['live_path', 'ready_path'] as const) {
    const value = key === 'live_path' ? config.livePath : config.readyPath;
    if (!value.startsWith('/')) throw new ConfigError(`health_checks.${key}`, `must start with "/", got ${JSON.stringify(value)}`);
  }
  return config;
}

export function buildTelemetry(section: Decoded<typeof telemetrySchema> | undefined, warnings: string[]): TelemetryConfig {
  const s = section ?? {};
  const config: TelemetryConfig = {
    metricPrefix: s.MetricPrefix ?? 'spire_server',
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

const DEFAULT_EVENT_TIMEOUT_MS = 15 * 60_000;

export function buildExperimental(section: Decoded<typeof experimentalSchema> | undefined, warnings: string[]): ExperimentalConfig {
  const s = section ?? {};
  const path = 'server.experimental';
  // Ignoring these would silently weaken what the operator asked for: refuse instead.
  if (s.require_pq_kem === true) throw new ConfigError(`${path}.require_pq_kem`, 'post-quantum key exchange is not supported by tspire');
  if (s.auth_opa_policy_engine !== undefined) {
    throw new ConfigError(`${path}.auth_opa_policy_engine`, 'custom authorization policies are not supported by tspire');
  }
  if (s.event_timeout !== undefined && s.sql_transaction_timeout !== undefined) {
    throw new ConfigError(`${path}.sql_transaction_timeout`, 'cannot be set together with event_timeout (it is its deprecated name)');
  }
  if (s.sql_transaction_timeout !== undefined) warnings.push(`${path}.sql_transaction_timeout: deprecated, use event_timeout`);
  for (const key of ['wit_key_type', 'wit_issuer', 'named_pipe_name'] as const) {
    if (s[key] !== undefined) warnings.push(`${path}.${key}: ${IGNORED}`);
  }
  if ((s.feature_flags ?? []).length > 0) warnings.push(`${path}.feature_flags: ${IGNORED}`);
  const config: ExperimentalConfig = {
    // tspire polls the event tables every second by default (SPIRE: 5s); an idle poll costs ~0.15 ms.
    cacheReloadInterval: s.cache_reload_interval ?? 1_000,
    eventsBasedCache: s.events_based_cache ?? false,
    fullCacheReloadInterval: s.full_cache_reload_interval ?? 24 * 3600_000,
    pruneEventsOlderThan: s.prune_events_older_than ?? 12 * 3600_000,
    eventTimeout: s.event_timeout ?? s.sql_transaction_timeout ?? DEFAULT_EVENT_TIMEOUT_MS,
    agentSpiffeIdAsSelector: s.agent_spiffe_id_as_selector ?? false,
  };
  for (const [key, value] of Object.entries({
    cache_reload_interval: config.cacheReloadInterval,
    full_cache_reload_interval: config.fullCacheReloadInterval,
    prune_events_older_than: config.pruneEventsOlderThan,
    event_timeout: config.eventTimeout,
  })) {
    if (value <= 0) throw new ConfigError(`${path}.${key}`, 'must be positive');
  }
  return config;
}
