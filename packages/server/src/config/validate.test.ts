import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, UnknownKeysError } from '@tspire/common';
import { parseServerConfig } from './load.js';
import { ttlWarnings } from './server-section.js';

const PLUGINS = `plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "/d/ds.sqlite3" } }
  KeyManager "memory" {}
}`;

/** Parses a config whose server block holds `serverBody`, plus `rest` (default: valid plugins). */
function parse(serverBody: string, rest = PLUGINS) {
  return parseServerConfig(`server {\n${serverBody}\n}\n${rest}`, { filename: 'server.conf', cwd: '/w', readFile: () => '' });
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

const BASE = 'trust_domain = "example.org"\ndata_dir = "/d"';

test('trust_domain and data_dir are required', () => {
  assert.equal(configError(() => parse('data_dir = "/d"')).message, 'server.trust_domain: must be configured');
  assert.equal(configError(() => parse('trust_domain = "example.org"')).message, 'server.data_dir: must be configured');
  assert.equal(configError(() => parse(BASE, '')).message, 'plugins: section must be configured');
});

test('a bad trust_domain names the key, quotes the value and shows where', () => {
  const err = configError(() => parse('data_dir = "/d"\n  trust_domain = "Example.ORG"'));
  assert.equal(err.path, 'server.trust_domain');
  assert.match(err.message, /^server\.trust_domain: could not parse trust_domain "Example\.ORG": .+ \(at server\.conf:3:3\)$/);
});

test('wrong value types name the key and position', () => {
  assert.equal(configError(() => parse(`${BASE}\nbind_port = "abc"`)).message, 'server.bind_port: expected an integer, got "abc" (at server.conf:4:1)');
  assert.equal(configError(() => parse(`${BASE}\nca_ttl = "1d"`)).reason.startsWith('expected a duration'), true);
});

test('value checks: ports, addresses, key types, TTLs, admin IDs, log names', () => {
  const cases: [string, RegExp][] = [
    ['bind_port = 70000', /^server\.bind_port: port must be between 0 and 65535, got 70000 \(at server\.conf:4:1\)$/],
    ['bind_address = ""', /^server\.bind_address: must not be empty/],
    ['ca_key_type = "ec-p521"', /^server\.ca_key_type: unsupported key type "ec-p521" \(expected one of rsa-2048, rsa-4096, ec-p256, ec-p384\)/],
    ['jwt_key_type = "rsa-1024"', /^server\.jwt_key_type: unsupported key type "rsa-1024"/],
    ['ca_ttl = "0s"', /^server\.ca_ttl: must be a positive duration, got 0s/],
    ['default_jwt_svid_ttl = "-5m"', /^server\.default_jwt_svid_ttl: must be a positive duration, got -5m0s/],
    ['admin_ids = ["spiffe://example.org/ok", "not-an-id"]', /^server\.admin_ids\[1\]: invalid SPIFFE ID "not-an-id": /],
    ['log_level = "loud"', /^server\.log_level: not a valid logrus Level: "loud"/],
    ['log_format = "xml"', /^server\.log_format: unknown log format: "xml"/],
    ['prune_attested_nodes_expired_for = "-1h"', /^server\.prune_attested_nodes_expired_for: must not be negative/],
    ['experimental { sql_transaction_timeout = "1m" event_timeout = "2m" }', /^server\.experimental\.sql_transaction_timeout: cannot be set together with event_timeout/],
    ['experimental { require_pq_kem = true }', /^server\.experimental\.require_pq_kem: post-quantum key exchange is not supported by tspire/],
    ['experimental { auth_opa_policy_engine { local { rego_path = "p.rego" } } }', /^server\.experimental\.auth_opa_policy_engine: custom authorization policies are not supported/],
  ];
  for (const [line, expected] of cases) assert.match(configError(() => parse(`${BASE}\n${line}`)).message, expected, line);
});

test('explicit values are read: key types, subject, TTLs, admin IDs, pruning, experimental', () => {
  const { config, warnings } = parse(`${BASE}
ca_key_type = "rsa-2048"
ca_subject { country = ["DE"] organization = ["Acme"] common_name = "Acme CA" }
ca_ttl = "72h"
default_x509_svid_ttl = "2h"
default_jwt_svid_ttl = "10m"
agent_ttl = "3h"
jwt_issuer = "https://oidc.example.org"
disable_jwt_svids = true
admin_ids = ["spiffe://example.org/admin", "spiffe://other.test/admin"]
audit_log_enabled = true
ratelimit { attestation = false }
prune_attested_nodes_expired_for = "720h"
prune_tofu_nodes = true
experimental { events_based_cache = true cache_reload_interval = "10s" sql_transaction_timeout = "1m" }`);
  assert.equal(config.caKeyType, 'rsa-2048');
  assert.equal(config.jwtKeyType, 'rsa-2048', 'jwt_key_type follows ca_key_type');
  assert.deepEqual(config.caSubject, { country: ['DE'], organization: ['Acme'], commonName: 'Acme CA' });
  assert.equal(config.agentTtl, 3 * 3600_000);
  assert.equal(config.defaultJwtSvidTtl, 600_000);
  assert.equal(config.jwtIssuer, 'https://oidc.example.org');
  assert.equal(config.disableJwtSvids, true);
  assert.deepEqual(config.adminIds.map(String), ['spiffe://example.org/admin', 'spiffe://other.test/admin']);
  assert.equal(config.auditLogEnabled, true);
  assert.deepEqual(config.ratelimit, { attestation: false, signing: true });
  assert.equal(config.pruneAttestedNodesExpiredFor, 720 * 3600_000);
  assert.equal(config.pruneTofuNodes, true);
  assert.equal(config.experimental.eventsBasedCache, true);
  assert.equal(config.experimental.cacheReloadInterval, 10_000);
  assert.equal(config.experimental.eventTimeout, 60_000, 'sql_transaction_timeout is the old name of event_timeout');
  assert.deepEqual(warnings, ['server.experimental.sql_transaction_timeout: deprecated, use event_timeout']);
});

test('documented SPIRE keys tspire lacks are accepted with a warning; "off" values stay quiet', () => {
  const { warnings } = parse(`${BASE}
profiling_enabled = true
profiling_port = 6060
proxy_protocol_trusted_cidrs = ["10.0.0.0/8"]
experimental { named_pipe_name = "\\\\spire" feature_flags = ["x"] }`, `${PLUGINS}
telemetry {
  Prometheus { port = 9988 }
  DogStatsd = [{ address = "localhost:8125" }]
  InMem {}
}`);
  assert.deepEqual(warnings, [
    'server.experimental.named_pipe_name: not supported by tspire, ignored',
    'server.experimental.feature_flags: not supported by tspire, ignored',
    'server.proxy_protocol_trusted_cidrs: not supported by tspire, ignored',
    'server.profiling_enabled: not supported by tspire, ignored',
    'server.profiling_port: not supported by tspire, ignored',
    'telemetry.DogStatsd: not supported by tspire, ignored (only Prometheus is)',
    'telemetry.InMem: not supported by tspire, ignored',
  ]);
  assert.deepEqual(parse(`${BASE}\nprofiling_enabled = false\nproxy_protocol_trusted_cidrs = []`).warnings, []);
});

test('telemetry and health_checks sections', () => {
  const { config } = parse(BASE, `${PLUGINS}
health_checks { listener_enabled = true bind_address = "0.0.0.0" bind_port = "8080" live_path = "/alive" }
telemetry {
  Prometheus { host = "0.0.0.0" port = "9988" tls { cert_file = "c.pem" key_file = "k.pem" } }
  MetricPrefix = "tspire"
  EnableHostnameLabel = false
  BlockedPrefixes = ["go"]
}`);
  assert.deepEqual(config.healthChecks, { listenerEnabled: true, bindAddress: '0.0.0.0', bindPort: 8080, livePath: '/alive', readyPath: '/ready' });
  assert.deepEqual(config.telemetry.prometheus, {
    host: '0.0.0.0', port: 9988, tls: { certFile: 'c.pem', keyFile: 'k.pem', useSpireSvid: false, authorizedSpiffeIds: [] },
  });
  assert.equal(config.telemetry.metricPrefix, 'tspire');
  assert.equal(config.telemetry.enableHostnameLabel, false);
  assert.deepEqual(config.telemetry.blockedPrefixes, ['go']);
  assert.match(configError(() => parse(BASE, `${PLUGINS}\nhealth_checks { bind_port = "http" }`)).message, /^health_checks\.bind_port: expected a port number, got "http"/);
  assert.match(configError(() => parse(BASE, `${PLUGINS}\ntelemetry { Prometheus {} }`)).message, /^telemetry\.Prometheus\.port: must be configured/);
  assert.throws(() => parse(BASE, `${PLUGINS}\ntelemetry { Prometheus { port = 1 path = "/m" } }`), (err: unknown) =>
    err instanceof UnknownKeysError && err.message === 'unknown configuration detected: telemetry.Prometheus.path');
});

test('TTL warnings: over min(ca_ttl/6, 7d)', () => {
  const hour = 3600_000;
  const defaults = { caTtl: 24 * hour, defaultX509SvidTtl: hour, defaultJwtSvidTtl: 5 * 60_000, agentTtl: hour };
  assert.deepEqual(ttlWarnings(defaults, true), []);
  assert.deepEqual(ttlWarnings({ ...defaults, defaultX509SvidTtl: 4 * hour }, false), [], 'exactly ca_ttl/6 is fine');
  const over = ttlWarnings({ ...defaults, defaultJwtSvidTtl: 5 * hour, agentTtl: 6 * hour }, true);
  assert.equal(over.length, 2);
  assert.match(over[0] ?? '', /^default_jwt_svid_ttl is too high for the configured ca_ttl value\. SVIDs with shorter lifetimes may be issued\. Please set default_jwt_svid_ttl to 4h0m0s or less, or the ca_ttl to 30h0m0s or more/);
  assert.match(over[1] ?? '', /^agent_ttl is too high for the configured ca_ttl value/);
  assert.deepEqual(ttlWarnings({ ...defaults, agentTtl: 6 * hour }, false), [], 'agent_ttl only when set');
  const week = 7 * 24 * hour;
  const capped = ttlWarnings({ ...defaults, caTtl: 100 * week, defaultX509SvidTtl: 2 * week }, false);
  assert.match(capped[0] ?? '', /^default_x509_svid_ttl is too high\. .*set default_x509_svid_ttl to 168h0m0s or less/);
});
