/**
 * Every key SPIRE 1.15 documents for server.conf, as decode schemas. A key listed here is
 * accepted (some only to be reported as ignored); a key not listed fails start-up with
 * "unknown configuration detected", as SPIRE does.
 */
import { block, healthChecksSchema, labelledBlocks, mapOf, pluginSchema, telemetrySchema, type Schema } from '@tspire/common';

export { healthChecksSchema, pluginSchema, telemetrySchema };

const acmeSchema = {
  domain_name: 'string',
  email: 'string',
  directory_url: 'string',
  tos_accepted: 'bool',
} as const satisfies Schema;

const servingCertFileSchema = {
  cert_file_path: 'string',
  key_file_path: 'string',
  file_sync_interval: 'duration',
} as const satisfies Schema;

export const federationSchema = {
  bundle_endpoint: block({
    address: 'string',
    port: 'int',
    refresh_hint: 'duration',
    // `profile "https_spiffe" {}` or `profile "https_web" { acme {} | serving_cert_file {} }`.
    profile: labelledBlocks({ acme: block(acmeSchema), serving_cert_file: block(servingCertFileSchema) }),
    // Legacy form: acme directly under bundle_endpoint.
    acme: block(acmeSchema),
  }),
  federates_with: labelledBlocks({
    bundle_endpoint_url: 'string',
    bundle_endpoint_profile: labelledBlocks({ endpoint_spiffe_id: 'string' }),
  }),
} as const satisfies Schema;

export const experimentalSchema = {
  agent_spiffe_id_as_selector: 'bool',
  cache_reload_interval: 'duration',
  events_based_cache: 'bool',
  full_cache_reload_interval: 'duration',
  prune_events_older_than: 'duration',
  event_timeout: 'duration',
  sql_transaction_timeout: 'duration',
  require_pq_kem: 'bool',
  wit_key_type: 'string',
  wit_issuer: 'string',
  feature_flags: 'stringList',
  named_pipe_name: 'string',
  auth_opa_policy_engine: block({ local: block({ rego_path: 'string', policy_data_path: 'string' }) }),
} as const satisfies Schema;

export const serverSectionSchema = {
  bind_address: 'string',
  bind_port: 'int',
  socket_path: 'string',
  trust_domain: 'string',
  data_dir: 'string',
  log_level: 'string',
  log_format: 'string',
  log_file: 'string',
  log_source_location: 'bool',
  ca_key_type: 'string',
  jwt_key_type: 'string',
  ca_subject: block({ country: 'stringList', organization: 'stringList', common_name: 'string' }),
  ca_ttl: 'duration',
  default_x509_svid_ttl: 'duration',
  default_jwt_svid_ttl: 'duration',
  agent_ttl: 'duration',
  jwt_issuer: 'string',
  disable_jwt_svids: 'bool',
  admin_ids: 'stringList',
  audit_log_enabled: 'bool',
  ratelimit: block({ attestation: 'bool', signing: 'bool' }),
  federation: block(federationSchema),
  prune_attested_nodes_expired_for: 'duration',
  prune_attested_nodes_batch_size: 'int',
  prune_tofu_nodes: 'bool',
  max_attested_node_info_staleness: 'duration',
  proxy_protocol_trusted_cidrs: 'stringList',
  profiling_enabled: 'bool',
  profiling_port: 'int',
  profiling_freq: 'int',
  profiling_names: 'stringList',
  experimental: block(experimentalSchema),
} as const satisfies Schema;

export const serverConfigSchema = {
  server: block(serverSectionSchema),
  plugins: mapOf(labelledBlocks(pluginSchema)),
  health_checks: block(healthChecksSchema),
  telemetry: block(telemetrySchema),
} as const satisfies Schema;
