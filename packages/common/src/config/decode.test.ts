import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../hcl/index.js';
import { ConfigError, UnknownKeysError } from './config-error.js';
import { decodeConfig, throwOnUnknownKeys } from './decode.js';
import { block, blockList, labelledBlocks, mapOf, type Schema } from './schema.js';

const pluginSchema = { plugin_cmd: 'string', enabled: 'bool', plugin_data: 'any' } as const satisfies Schema;
const serverSchema = {
  server: block({
    bind_address: 'string',
    bind_port: 'int',
    trust_domain: 'string',
    ca_ttl: 'duration',
    audit_log_enabled: 'bool',
    admin_ids: 'stringList',
    ca_subject: block({ country: 'stringList', organization: 'stringList', common_name: 'string' }),
    federation: block({
      bundle_endpoint: block({ address: 'string', port: 'int', refresh_hint: 'duration', profile: labelledBlocks({ endpoint_spiffe_id: 'string' }) }),
      federates_with: labelledBlocks({ bundle_endpoint_url: 'string', bundle_endpoint_profile: labelledBlocks({ endpoint_spiffe_id: 'string' }) }),
    }),
  }),
  plugins: mapOf(labelledBlocks(pluginSchema)),
  telemetry: block({ Prometheus: block({ host: 'string', port: 'int' }), DogStatsd: blockList({ address: 'string' }) }),
} as const satisfies Schema;

const serverConf = `server {
  bind_address = "0.0.0.0"
  bind_port = "8081"
  trust_domain = "example.org"
  ca_ttl = "1h30m"
  audit_log_enabled = "true"
  admin_ids = ["spiffe://example.org/admin", 42]
  ca_subject { country = ["US"] organization = ["SPIFFE"] common_name = "" }
  federation {
    bundle_endpoint { address = "0.0.0.0" port = 8443 refresh_hint = "5m" profile "https_spiffe" {} }
    federates_with "a.test" { bundle_endpoint_url = "https://a:8443" bundle_endpoint_profile "https_web" {} }
    federates_with "b.test" {
      bundle_endpoint_url = "https://b:8443"
      bundle_endpoint_profile "https_spiffe" { endpoint_spiffe_id = "spiffe://b.test/spire/server" }
    }
  }
}
plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3" } }
  KeyManager "disk" { plugin_data { keys_path = "k.json" } }
  KeyManager "memory" { enabled = "false" }
}
telemetry {
  Prometheus { port = 9988 }
  DogStatsd = [{ address = "localhost:8125" }]
  DogStatsd { address = "other:8125" }
}
`;

test('decodes a server config with weak typing into typed values', () => {
  const { value, unknownKeys } = decodeConfig(loadConfigText(serverConf), serverSchema);
  assert.deepEqual(unknownKeys, []);
  const server = value.server;
  assert.equal(server?.bind_port, 8081);
  assert.equal(server?.ca_ttl, 5_400_000);
  assert.equal(server?.audit_log_enabled, true);
  assert.deepEqual(server?.admin_ids, ['spiffe://example.org/admin', '42']);
  assert.deepEqual(server?.ca_subject, { country: ['US'], organization: ['SPIFFE'], common_name: '' });
  assert.equal(server?.federation?.bundle_endpoint?.refresh_hint, 300_000);
  assert.deepEqual(server?.federation?.bundle_endpoint?.profile?.map((p) => p.label), ['https_spiffe']);
  const federatesWith = server?.federation?.federates_with ?? [];
  assert.deepEqual(federatesWith.map((f) => [f.label, f.body.bundle_endpoint_url, f.position?.line]), [
    ['a.test', 'https://a:8443', 11],
    ['b.test', 'https://b:8443', 12],
  ]);
  assert.deepEqual(federatesWith[1]?.body.bundle_endpoint_profile?.[0]?.body, { endpoint_spiffe_id: 'spiffe://b.test/spire/server' });
  const keyManagers = value.plugins?.['KeyManager'] ?? [];
  assert.deepEqual(keyManagers.map((k) => [k.label, k.body]), [
    ['disk', { plugin_data: { keys_path: 'k.json' } }],
    ['memory', { enabled: false }],
  ]);
  assert.deepEqual(value.plugins?.['DataStore']?.[0]?.body.plugin_data, { database_type: 'sqlite3' });
  assert.deepEqual(value.telemetry?.DogStatsd, [{ address: 'localhost:8125' }, { address: 'other:8125' }]);
});

test('unknown keys are collected with full paths and reported together', () => {
  const text = 'server {\n  bad_key = 1\n  bind_port = 1\n  ca_subject { x = 1 }\n}\nplugins {\n  DataStore "sql" { plugin_data {} oops = true }\n}\nextra {}';
  const { unknownKeys } = decodeConfig(loadConfigText(text), serverSchema);
  assert.deepEqual(unknownKeys.map((k) => [k.path, k.position?.line]), [
    ['server.bad_key', 2],
    ['server.ca_subject.x', 4],
    ['plugins.DataStore.sql.oops', 7],
    ['extra', 9],
  ]);
  assert.throws(() => throwOnUnknownKeys(unknownKeys), (err: unknown) => {
    assert.ok(err instanceof UnknownKeysError);
    assert.equal(err.code, 'ERR_CONFIG_UNKNOWN_KEYS');
    assert.equal(err.message, 'unknown configuration detected: server.bad_key, server.ca_subject.x, plugins.DataStore.sql.oops, extra');
    return true;
  });
  assert.doesNotThrow(() => throwOnUnknownKeys([]));
  // A nested schema for plugin_data reaches inside it too.
  const nested = decodeConfig(loadConfigText('DataStore "sql" { plugin_data { x = 1 } }'), {
    DataStore: labelledBlocks({ plugin_data: block({ database_type: 'string' }) }),
  }, { path: 'plugins' });
  assert.deepEqual(nested.unknownKeys.map((k) => k.path), ['plugins.DataStore.sql.plugin_data.x']);
});

/** Decodes `text` and returns the ConfigError thrown. */
function decodeError(text: string, schema: Schema): ConfigError {
  try {
    decodeConfig(loadConfigText(text, { filename: 'server.conf' }), schema);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('type errors name the key path and where it was written', () => {
  const cases: [string, string][] = [
    ['server {\n  bind_port = "abc"\n}', 'server.bind_port: expected an integer, got "abc" (at server.conf:2:3)'],
    ['server { bind_port = 80.5 }', 'server.bind_port: expected an integer, got 80.5 (at server.conf:1:10)'],
    ['server { bind_port = "99999999999999999999" }', 'server.bind_port: integer "99999999999999999999" is out of range (at server.conf:1:10)'],
    ['server { audit_log_enabled = "yes" }', 'server.audit_log_enabled: expected a boolean, got "yes" (at server.conf:1:10)'],
    ['server { ca_ttl = "1d" }', 'server.ca_ttl: expected a duration such as "1h30m", got "1d" (time: unknown unit "d" in duration "1d") (at server.conf:1:10)'],
    ['server { ca_ttl = 30 }', 'server.ca_ttl: expected a duration such as "1h30m", got 30 (time: missing unit in duration "30") (at server.conf:1:10)'],
    ['server { admin_ids = "x" }', 'server.admin_ids: expected a list of strings, got "x" (at server.conf:1:10)'],
    ['server { admin_ids = ["a", ["b"]] }', 'server.admin_ids[1]: expected a string, got a list (at server.conf:1:28)'],
    ['server { trust_domain = { a = 1 } }', 'server.trust_domain: expected a string, got a block (at server.conf:1:10)'],
    ['server = "x"', 'server: expected a block, got "x" (at server.conf:1:1)'],
    ['telemetry { DogStatsd = ["x"] }', 'telemetry.DogStatsd[0]: expected a block, got "x" (at server.conf:1:26)'],
    ['server {\n  bind_port = 1\n  bind_port = 2\n}', 'server.bind_port: set more than once (at server.conf:2:3, server.conf:3:3)'],
    ['server {}\nserver {}', 'server: set more than once (at server.conf:1:1, server.conf:2:1)'],
  ];
  for (const [text, expected] of cases) {
    assert.equal(decodeError(text, serverSchema).message, expected);
  }
  const err = decodeError('server {\n  bind_port = "abc"\n}', serverSchema);
  assert.equal(err.path, 'server.bind_port');
  assert.equal(err.position?.line, 2);
  assert.equal(err.code, 'ERR_CONFIG_INVALID_VALUE');
});

test('weak typing matches HCL v1: numbers as strings, strings as numbers and booleans', () => {
  const schema = { s: 'string', i: 'int', f: 'float', b: 'bool', d: 'duration', l: 'stringList', a: 'any' } as const satisfies Schema;
  const { value } = decodeConfig(loadConfigText('s = 8080\ni = "0x10"\nf = "1.5"\nb = "0"\nd = 0\nl = [true, 1]\na = { x = [1] }'), schema);
  assert.deepEqual(value, { s: '8080', i: 16, f: 1.5, b: false, d: 0, l: ['true', '1'], a: { x: [1] } });
  assert.equal(decodeConfig({ i: '-0644' }, schema).value.i, -420);
  assert.equal(decodeConfig({ s: true }, schema).value.s, 'true');
});

test('JSON configs decode the same, including null as unset and one-element block lists', () => {
  const json = '{"server": [{"bind_port": "8081", "trust_domain": null}], "plugins": {"KeyManager": [{"disk": {}}, {"memory": {}}]}}';
  const { value } = decodeConfig(loadConfigText(json), serverSchema);
  assert.deepEqual(value.server, { bind_port: 8081 });
  assert.deepEqual(value.plugins?.['KeyManager']?.map((k) => k.label), ['disk', 'memory']);
});

test('a root that is not an object is rejected; paths can be prefixed', () => {
  assert.throws(() => decodeConfig([], { a: 'int' }), /expected a block, got a list/);
  assert.throws(() => decodeConfig({ a: 'x' }, { a: 'int' }, { path: 'agent' }), /^ConfigError: agent\.a: expected an integer, got "x"$/m);
});
