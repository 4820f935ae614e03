/**
 * `server.experimental {}` (`health_checks {}` and `telemetry {}` are shared with the agent, in
 * @tspire/common). Documented SPIRE keys tspire does not act on are accepted and reported as warnings, except
 * where ignoring them would weaken security (those fail).
 */
import { ConfigError, type Decoded } from '@tspire/common';
import { IGNORED } from './raw.js';
import type { experimentalSchema } from './schema.js';
import type { ExperimentalConfig } from './types.js';

export { IGNORED };

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
