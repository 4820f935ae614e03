/**
 * Every key SPIRE 1.15 documents for agent.conf, as decode schemas. A key listed here is
 * accepted (some only to be reported as ignored or refused); a key not listed fails start-up
 * with "unknown configuration detected", as SPIRE does. `retry_bootstrap` (SPIRE 1.11-1.13) is
 * gone from 1.15 and so is unknown here too.
 */
import { block, healthChecksSchema, labelledBlocks, mapOf, pluginSchema, telemetrySchema, type Schema } from '@tspire/common';

export { healthChecksSchema, pluginSchema, telemetrySchema };

export const sdsSchema = {
  default_svid_name: 'string',
  default_bundle_name: 'string',
  default_all_bundles_name: 'string',
  disable_spiffe_cert_validation: 'bool',
} as const satisfies Schema;

export const experimentalSchema = {
  sync_interval: 'duration',
  jwt_svid_cache_hit_timeout: 'duration',
  use_sync_authorized_entries: 'bool',
  require_pq_kem: 'bool',
  named_pipe_name: 'string',
  admin_named_pipe_name: 'string',
  ratelimit: block({
    fetch_x509_svid: 'int',
    fetch_jwt_svid: 'int',
    fetch_x509_bundles: 'int',
    fetch_jwt_bundles: 'int',
    stream_secrets: 'int',
    fetch_secrets: 'int',
  }),
  // The SPIFFE broker endpoint's settings; tspire has no broker, so its contents are not checked.
  broker: 'any',
  feature_flags: 'stringList',
} as const satisfies Schema;

export const agentSectionSchema = {
  server_address: 'string',
  server_port: 'int',
  trust_domain: 'string',
  trust_bundle_path: 'string',
  trust_bundle_url: 'string',
  trust_bundle_format: 'string',
  trust_bundle_unix_socket: 'string',
  trust_bundle_spiffe_workload_api: 'string',
  insecure_bootstrap: 'bool',
  rebootstrap_mode: 'string',
  rebootstrap_delay: 'duration',
  join_token: 'string',
  join_token_file: 'string',
  data_dir: 'string',
  socket_path: 'string',
  admin_socket_path: 'string',
  log_level: 'string',
  log_format: 'string',
  log_file: 'string',
  log_selectors: 'stringList',
  log_source_location: 'bool',
  sds: block(sdsSchema),
  allow_unauthenticated_verifiers: 'bool',
  allowed_foreign_jwt_claims: 'stringList',
  authorized_delegates: 'stringList',
  disable_workload_api: 'bool',
  disable_sds_api: 'bool',
  workload_x509_svid_key_type: 'string',
  availability_target: 'duration',
  x509_svid_cache_max_size: 'int',
  jwt_svid_cache_max_size: 'int',
  profiling_enabled: 'bool',
  profiling_port: 'int',
  profiling_freq: 'int',
  profiling_names: 'stringList',
  experimental: block(experimentalSchema),
} as const satisfies Schema;

export const agentConfigSchema = {
  agent: block(agentSectionSchema),
  plugins: mapOf(labelledBlocks(pluginSchema)),
  health_checks: block(healthChecksSchema),
  telemetry: block(telemetrySchema),
} as const satisfies Schema;
