import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tspire/common';
import { parseServerConfig } from './load.js';

const PLUGINS = 'plugins {\n  DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "x" } }\n  KeyManager "memory" {}\n}\n';

function parse(federationBody: string) {
  const text = `server {\n  trust_domain = "example.org"\n  data_dir = "/d"\n  federation {\n${federationBody}\n  }\n}\n${PLUGINS}`;
  return parseServerConfig(text, { filename: 'server.conf', cwd: '/w', readFile: () => '' });
}

function failure(federationBody: string): ConfigError {
  try {
    parse(federationBody);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('bundle endpoint and federates_with relationships', () => {
  const { config, warnings } = parse(`
    bundle_endpoint {
      address = "0.0.0.0"
      port = 8443
      refresh_hint = "10m"
      profile "https_spiffe" {}
    }
    federates_with "domain1.test" {
      bundle_endpoint_url = "https://1.1.1.1:8443"
      bundle_endpoint_profile "https_web" {}
    }
    federates_with "domain2.test" {
      bundle_endpoint_url = "https://2.2.2.2:8443"
      bundle_endpoint_profile "https_spiffe" { endpoint_spiffe_id = "spiffe://domain2.test/spire/server" }
    }`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.federation.bundleEndpoint, { address: '0.0.0.0', port: 8443, refreshHint: 600_000, profile: { kind: 'https_spiffe' } });
  const [one, two] = config.federation.federatesWith;
  assert.equal(one?.trustDomain.name, 'domain1.test');
  assert.equal(one?.bundleEndpointUrl, 'https://1.1.1.1:8443');
  assert.deepEqual(one?.profile, { kind: 'https_web' });
  assert.equal(two?.profile.kind === 'https_spiffe' ? two.profile.endpointSpiffeId.toString() : '', 'spiffe://domain2.test/spire/server');
});

test('https_web profiles: acme or serving_cert_file; defaults', () => {
  const acme = parse('bundle_endpoint { profile "https_web" { acme { domain_name = "b.example.org" email = "ops@example.org" } } }');
  assert.deepEqual(acme.config.federation.bundleEndpoint, {
    address: '0.0.0.0', port: 443, refreshHint: 300_000,
    profile: { kind: 'https_web', acme: { domainName: 'b.example.org', email: 'ops@example.org', directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', tosAccepted: false } },
  });
  const cert = parse('bundle_endpoint { profile "https_web" { serving_cert_file { cert_file_path = "c.pem" key_file_path = "/k.pem" } } }');
  assert.deepEqual(cert.config.federation.bundleEndpoint?.profile, {
    kind: 'https_web', servingCertFile: { certFilePath: '/w/c.pem', keyFilePath: '/k.pem', fileSyncInterval: 3600_000 },
  });
  const legacy = parse('bundle_endpoint { acme { domain_name = "d" email = "e" tos_accepted = true } }');
  assert.equal(legacy.config.federation.bundleEndpoint?.profile.kind, 'https_web');
});

test('federation errors name the key path', () => {
  const cases: [string, RegExp][] = [
    ['federates_with "d.test" { bundle_endpoint_url = "http://d:8443" bundle_endpoint_profile "https_web" {} }',
      /^server\.federation\.federates_with\["d\.test"\]\.bundle_endpoint_url: must use the HTTPS protocol; URL found: "http:\/\/d:8443" \(at server\.conf:5:16\)$/],
    ['federates_with "d.test" { bundle_endpoint_profile "https_web" {} }', /bundle_endpoint_url: must be configured/],
    ['federates_with "d.test" { bundle_endpoint_url = "https://d" }', /\["d\.test"\]\.bundle_endpoint_profile: exactly one bundle endpoint profile is expected/],
    ['federates_with "d.test" { bundle_endpoint_url = "https://d" bundle_endpoint_profile "https_spiffe" {} }', /bundle_endpoint_profile\["https_spiffe"\]\.endpoint_spiffe_id: must be configured/],
    ['federates_with "d.test" { bundle_endpoint_url = "https://d" bundle_endpoint_profile "https_spiffe" { endpoint_spiffe_id = "nope" } }', /endpoint_spiffe_id: invalid SPIFFE ID "nope"/],
    ['federates_with "D TEST" { bundle_endpoint_url = "https://d" bundle_endpoint_profile "https_web" {} }', /^server\.federation\.federates_with\["D TEST"\]: invalid trust domain "D TEST"/],
    ['bundle_endpoint { port = 8443 }', /^server\.federation\.bundle_endpoint\.profile: a profile block is required/],
    ['bundle_endpoint { profile "https_web" {} }', /profile\["https_web"\]: exactly one of acme or serving_cert_file must be configured/],
    ['bundle_endpoint { profile "https_web" { acme { email = "e" } } }', /acme\.domain_name: must be configured/],
    ['bundle_endpoint { profile "other" {} }', /unknown bundle endpoint profile "other"/],
    ['bundle_endpoint { port = 70000 profile "https_spiffe" {} }', /^server\.federation\.bundle_endpoint\.port: port must be between 0 and 65535/],
  ];
  for (const [body, expected] of cases) assert.match(failure(body).message, expected, body);
});

test('refresh_hint warnings', () => {
  assert.match(parse('bundle_endpoint { refresh_hint = "48h" profile "https_spiffe" {} }').warnings[0] ?? '', /refresh_hint: 48h0m0s is 24h or more/);
  assert.match(parse('bundle_endpoint { refresh_hint = "5s" profile "https_spiffe" {} }').warnings[0] ?? '', /refresh_hint: 5s is very low/);
});
