/**
 * The smaller agent sections: `agent.sds {}` and `agent.experimental {}` (`health_checks {}` and
 * `telemetry {}` are shared with the server, in @tspire/common). Documented SPIRE keys tspire does not act on are accepted and reported as
 * warnings, except where ignoring them would weaken security (those fail).
 */
import { ConfigError, formatGoDuration, type Decoded } from '@tspire/common';
import { IGNORED } from './raw.js';
import type { experimentalSchema, sdsSchema } from './schema.js';
import type { ExperimentalConfig, SdsConfig } from './types.js';

const SECOND_MS = 1000;

export function buildSds(section: Decoded<typeof sdsSchema> | undefined, warnings: string[]): SdsConfig {
  const s = section ?? {};
  const config: SdsConfig = {
    defaultSvidName: s.default_svid_name || 'default',
    defaultBundleName: s.default_bundle_name || 'ROOTCA',
    defaultAllBundlesName: s.default_all_bundles_name || 'ALL',
    disableSpiffeCertValidation: s.disable_spiffe_cert_validation ?? false,
  };
  if (config.defaultBundleName === config.defaultAllBundlesName) {
    // SPIRE's warning: the ALL resource is then unreachable.
    warnings.push(
      'agent.sds: The "default_bundle_name" and "default_all_bundles_name" configurables have the same value. ' +
        '"default_all_bundles_name" will be ignored. Please configure distinct values or use the defaults.',
    );
  }
  return config;
}

export function buildExperimental(section: Decoded<typeof experimentalSchema> | undefined, warnings: string[]): ExperimentalConfig {
  const s = section ?? {};
  const path = 'agent.experimental';
  // Ignoring this would silently weaken what the operator asked for: refuse instead.
  if (s.require_pq_kem === true) throw new ConfigError(`${path}.require_pq_kem`, 'post-quantum key exchange is not supported by tspire');
  // SPIRE refuses Windows named pipes on POSIX systems with these messages.
  if ((s.named_pipe_name ?? '') !== '') {
    throw new ConfigError(`${path}.named_pipe_name`, 'named_pipe_name is not supported in this platform; please use socket_path instead');
  }
  if ((s.admin_named_pipe_name ?? '') !== '') {
    throw new ConfigError(`${path}.admin_named_pipe_name`, 'admin_named_pipe_name is not supported in this platform; please use admin_socket_path instead');
  }
  const syncInterval = s.sync_interval ?? 5 * SECOND_MS;
  if (syncInterval <= 0) throw new ConfigError(`${path}.sync_interval`, `must be a positive duration, got ${formatGoDuration(syncInterval)}`);
  const hitTimeout = s.jwt_svid_cache_hit_timeout;
  if (hitTimeout !== undefined) {
    const shown = formatGoDuration(hitTimeout);
    if (hitTimeout <= 5 * SECOND_MS) throw new ConfigError(`${path}.jwt_svid_cache_hit_timeout`, `jwt_svid_cache_hit_timeout (${shown}) must be greater than 5s`);
    if (hitTimeout >= 30 * SECOND_MS) throw new ConfigError(`${path}.jwt_svid_cache_hit_timeout`, `jwt_svid_cache_hit_timeout (${shown}) must be less than 30s`);
    warnings.push(`${path}.jwt_svid_cache_hit_timeout: ${IGNORED}`);
  }
  if (s.use_sync_authorized_entries === false) {
    warnings.push(`${path}.use_sync_authorized_entries: tspire always syncs with SyncAuthorizedEntries; false is ignored`);
  } else if (s.use_sync_authorized_entries === true) {
    warnings.push(`${path}.use_sync_authorized_entries: deprecated (always on), remove it`);
  }
  for (const [key, limit] of Object.entries(s.ratelimit ?? {})) {
    if (limit !== 0) warnings.push(`${path}.ratelimit.${key}: ${IGNORED}`);
  }
  if (s.broker !== undefined) warnings.push(`${path}.broker: ${IGNORED}`);
  if ((s.feature_flags ?? []).length > 0) warnings.push(`${path}.feature_flags: ${IGNORED}`);
  return { syncInterval };
}

