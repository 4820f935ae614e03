import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, UnknownKeysError } from '@tspire/common';
import { parseAgentConfig } from './load.js';

const PLUGINS = `plugins {
  NodeAttestor "join_token" {}
  KeyManager "memory" {}
  WorkloadAttestor "unix" {}
}`;

/** Parses a config whose agent block holds `agentBody`, plus `rest` (default: valid plugins). */
function parse(agentBody: string, rest = PLUGINS) {
  return parseAgentConfig(`agent {\n${agentBody}\n}\n${rest}`, { filename: 'agent.conf', cwd: '/w', readFile: () => '' });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

const BASE = 'trust_domain = "example.org"\nserver_address = "spire"\nserver_port = 8081\ntrust_bundle_path = "/b.pem"';

test('server_address, server_port, trust_domain and plugins are required', () => {
  const without = (key: string) => BASE.split('\n').filter((line) => !line.startsWith(key)).join('\n');
  assert.equal(configError(() => parse(without('server_address'))).message, 'agent.server_address: must be configured');
  assert.equal(configError(() => parse(without('server_port'))).message, 'agent.server_port: must be configured');
  assert.equal(configError(() => parse(without('trust_domain'))).message, 'agent.trust_domain: must be configured');
  assert.equal(configError(() => parse(BASE, '')).message, 'plugins: section must be configured');
  assert.equal(configError(() => parseAgentConfig(PLUGINS, { cwd: '/w' })).message, 'agent.server_address: must be configured');
});

test('a bad trust_domain names the key, quotes the value and shows where', () => {
  const err = configError(() => parse('server_address = "spire"\nserver_port = 8081\n  trust_domain = "Example.ORG"'));
  assert.equal(err.path, 'agent.trust_domain');
  assert.match(err.message, /^agent\.trust_domain: could not parse trust_domain "Example\.ORG": .+ \(at agent\.conf:4:3\)$/);
});

test('wrong value types name the key and position', () => {
  assert.equal(configError(() => parse(`${BASE}\nx509_svid_cache_max_size = "lots"`)).message,
    'agent.x509_svid_cache_max_size: expected an integer, got "lots" (at agent.conf:6:1)');
  assert.match(configError(() => parse(`${BASE}\navailability_target = "1d"`)).message, /^agent\.availability_target: expected a duration/);
  assert.match(configError(() => parse(`${BASE}\ninsecure_bootstrap = "maybe"`)).message, /^agent\.insecure_bootstrap: expected a boolean, got "maybe"/);
});

test('server_port must be a port number', () => {
  const body = (port: string) => BASE.replace('server_port = 8081', `server_port = ${port}`);
  assert.equal(configError(() => parse(body('70000'))).message, 'agent.server_port: port must be between 1 and 65535, got 70000 (at agent.conf:4:1)');
  assert.equal(configError(() => parse(body('-1'))).message, 'agent.server_port: port must be between 1 and 65535, got -1 (at agent.conf:4:1)');
  assert.equal(configError(() => parse(body('0'))).message, 'agent.server_port: must be configured (at agent.conf:4:1)');
  assert.equal(configError(() => parse(`${BASE}\nserver_port = 1`)).message, 'agent.server_port: set more than once (at agent.conf:4:1, agent.conf:6:1)');
});

test('value checks: sockets, key type, caches, availability target, delegates, logs', () => {
  const cases: [string, RegExp][] = [
    ['workload_x509_svid_key_type = "rsa-4096"', /^agent\.workload_x509_svid_key_type: unsupported key type "rsa-4096" \(expected one of ec-p256, ec-p384, rsa-2048\)/],
    ['x509_svid_cache_max_size = -1', /^agent\.x509_svid_cache_max_size: must not be negative, got -1 \(at agent\.conf:6:1\)$/],
    ['jwt_svid_cache_max_size = -5', /^agent\.jwt_svid_cache_max_size: must not be negative, got -5/],
    ['availability_target = "1h"', /^agent\.availability_target: must be at least 24h0m0s, got 1h0m0s/],
    ['availability_target = "0s"', /^agent\.availability_target: must be at least 24h0m0s, got 0s/],
    ['authorized_delegates = ["spiffe://example.org/ok", "nope"]', /^agent\.authorized_delegates\[1\]: invalid SPIFFE ID "nope": /],
    ['authorized_delegates = ["spiffe://other.test/delegate"]', /^agent\.authorized_delegates\[0\]: "spiffe:\/\/other\.test\/delegate" is not a member of trust domain "example\.org"/],
    ['log_level = "loud"', /^agent\.log_level: not a valid logrus Level: "loud"/],
    ['log_format = "xml"', /^agent\.log_format: unknown log format: "xml"/],
    ['socket_path = "/run/spire/public/api.sock"\nadmin_socket_path = "/run/spire/public/admin.sock"',
      /^agent\.admin_socket_path: admin socket cannot be in the same directory or a subdirectory as that containing the Workload API socket \(at agent\.conf:7:1\)$/],
    ['admin_socket_path = "/tmp/spire-agent/public/private/admin.sock"', /^agent\.admin_socket_path: admin socket cannot be in the same directory or a subdirectory/],
    ['experimental { sync_interval = "0s" }', /^agent\.experimental\.sync_interval: must be a positive duration, got 0s/],
    ['experimental { jwt_svid_cache_hit_timeout = "4s" }', /^agent\.experimental\.jwt_svid_cache_hit_timeout: jwt_svid_cache_hit_timeout \(4s\) must be greater than 5s/],
    ['experimental { jwt_svid_cache_hit_timeout = "30s" }', /^agent\.experimental\.jwt_svid_cache_hit_timeout: jwt_svid_cache_hit_timeout \(30s\) must be less than 30s/],
    ['experimental { require_pq_kem = true }', /^agent\.experimental\.require_pq_kem: post-quantum key exchange is not supported by tspire/],
    ['experimental { named_pipe_name = "\\\\spire-agent" }', /^agent\.experimental\.named_pipe_name: named_pipe_name is not supported in this platform; please use socket_path instead/],
    ['experimental { admin_named_pipe_name = "\\\\admin" }', /^agent\.experimental\.admin_named_pipe_name: admin_named_pipe_name is not supported in this platform; please use admin_socket_path/],
  ];
  for (const [line, expected] of cases) assert.match(configError(() => parse(`${BASE}\n${line}`)).message, expected, line);
});

test('explicit values are read: sockets, logs, caches, key type, delegates, SDS, experimental', () => {
  const { config, warnings } = parse(`${BASE}
data_dir = "data"
socket_path = "run/public/api.sock"
admin_socket_path = "run/private/admin.sock"
log_file = "/var/log/spire-agent.log"
log_source_location = true
x509_svid_cache_max_size = 0
jwt_svid_cache_max_size = 50
workload_x509_svid_key_type = "rsa-2048"
availability_target = "48h"
allow_unauthenticated_verifiers = true
allowed_foreign_jwt_claims = ["email", "groups"]
authorized_delegates = ["spiffe://example.org/delegate"]
disable_workload_api = false
disable_sds_api = true
sds { default_svid_name = "mine" default_bundle_name = "ROOT" disable_spiffe_cert_validation = true }
experimental { sync_interval = "2s" }`);
  assert.equal(config.dataDir, '/w/data');
  assert.equal(config.socketPath, '/w/run/public/api.sock');
  assert.equal(config.adminSocketPath, '/w/run/private/admin.sock');
  assert.equal(config.logFile, '/var/log/spire-agent.log');
  assert.equal(config.logSourceLocation, true);
  assert.equal(config.x509SvidCacheMaxSize, 1000, '0 means the default');
  assert.equal(config.jwtSvidCacheMaxSize, 50);
  assert.equal(config.workloadX509SvidKeyType, 'rsa-2048');
  assert.equal(config.availabilityTarget, 48 * 3600_000);
  assert.equal(config.allowUnauthenticatedVerifiers, true);
  assert.deepEqual(config.allowedForeignJwtClaims, ['email', 'groups']);
  assert.deepEqual(config.authorizedDelegates.map(String), ['spiffe://example.org/delegate']);
  assert.equal(config.disableWorkloadApi, false);
  assert.equal(config.disableSdsApi, true);
  assert.deepEqual(config.sds, { defaultSvidName: 'mine', defaultBundleName: 'ROOT', defaultAllBundlesName: 'ALL', disableSpiffeCertValidation: true });
  assert.deepEqual(config.experimental, { syncInterval: 2_000 });
  assert.deepEqual(warnings, []);
});

test('documented SPIRE keys tspire lacks are accepted with a warning; "off" values stay quiet', () => {
  const { warnings } = parse(`${BASE}
log_selectors = ["unix:uid:0"]
profiling_enabled = true
profiling_port = 6060
sds { default_bundle_name = "ALL" }
experimental {
  jwt_svid_cache_hit_timeout = "10s"
  use_sync_authorized_entries = false
  ratelimit { fetch_x509_svid = 10 fetch_jwt_svid = 0 }
  broker { endpoint = "x" }
  feature_flags = ["x"]
}`, `${PLUGINS}
telemetry {
  Prometheus { port = 9988 }
  Statsd = [{ address = "localhost:8125" }]
  InMem {}
}`);
  assert.deepEqual(warnings, [
    'agent.sds: The "default_bundle_name" and "default_all_bundles_name" configurables have the same value. "default_all_bundles_name" will be ignored. Please configure distinct values or use the defaults.',
    'agent.experimental.jwt_svid_cache_hit_timeout: not supported by tspire, ignored',
    'agent.experimental.use_sync_authorized_entries: tspire always syncs with SyncAuthorizedEntries; false is ignored',
    'agent.experimental.ratelimit.fetch_x509_svid: not supported by tspire, ignored',
    'agent.experimental.broker: not supported by tspire, ignored',
    'agent.experimental.feature_flags: not supported by tspire, ignored',
    'agent.log_selectors: not supported by tspire, ignored',
    'agent.profiling_enabled: not supported by tspire, ignored',
    'agent.profiling_port: not supported by tspire, ignored',
    'telemetry.Statsd: not supported by tspire, ignored (only Prometheus is)',
    'telemetry.InMem: not supported by tspire, ignored',
  ]);
  assert.deepEqual(parse(`${BASE}\nprofiling_enabled = false\nlog_selectors = []\nexperimental { ratelimit { fetch_secrets = 0 } }`).warnings, []);
  assert.deepEqual(parse(`${BASE}\nexperimental { use_sync_authorized_entries = true }`).warnings,
    ['agent.experimental.use_sync_authorized_entries: deprecated (always on), remove it']);
});

test('telemetry and health_checks sections', () => {
  const { config } = parse(BASE, `${PLUGINS}
health_checks { listener_enabled = true bind_address = "0.0.0.0" bind_port = "8080" live_path = "/alive" }
telemetry {
  Prometheus { host = "0.0.0.0" port = "9988" tls { cert_file = "c.pem" key_file = "k.pem" } }
  MetricPrefix = "tspire_agent"
  EnableHostnameLabel = false
  AllowedLabels = ["a"]
}`);
  assert.deepEqual(config.healthChecks, { listenerEnabled: true, bindAddress: '0.0.0.0', bindPort: 8080, livePath: '/alive', readyPath: '/ready' });
  assert.deepEqual(config.telemetry.prometheus, {
    host: '0.0.0.0', port: 9988, tls: { certFile: 'c.pem', keyFile: 'k.pem', useSpireSvid: false, authorizedSpiffeIds: [] },
  });
  assert.equal(config.telemetry.metricPrefix, 'tspire_agent');
  assert.equal(config.telemetry.enableHostnameLabel, false);
  assert.deepEqual(config.telemetry.allowedLabels, ['a']);
  const bad = (rest: string) => configError(() => parse(BASE, `${PLUGINS}\n${rest}`)).message;
  assert.match(bad('health_checks { bind_port = "http" }'), /^health_checks\.bind_port: expected a port number, got "http"/);
  assert.match(bad('health_checks { bind_port = "70000" }'), /^health_checks\.bind_port: port must be between 0 and 65535, got 70000/);
  assert.match(bad('health_checks { ready_path = "ready" }'), /^health_checks\.ready_path: must start with "\/", got "ready"/);
  assert.match(bad('telemetry { Prometheus {} }'), /^telemetry\.Prometheus\.port: must be configured/);
  assert.throws(() => parse(BASE, `${PLUGINS}\ntelemetry { Prometheus { port = 1 path = "/m" } }`), (err: unknown) =>
    err instanceof UnknownKeysError && err.message === 'unknown configuration detected: telemetry.Prometheus.path');
});
