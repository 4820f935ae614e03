import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, HclError, UnknownKeysError } from '@tspire/common';
import { parseServerConfig } from './load.js';

const SERVER = 'server { trust_domain = "example.org" data_dir = "/d" }\n';
const DATASTORE = 'DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "ds.sqlite3" } }';
const KEYMANAGER = 'KeyManager "memory" {}';

function parse(pluginsBody: string, files: Record<string, string> = {}) {
  return parseServerConfig(`${SERVER}plugins {\n${pluginsBody}\n}\n`, {
    filename: 'server.conf',
    cwd: '/w',
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  });
}

function failure(pluginsBody: string): Error {
  try {
    parse(pluginsBody);
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail('expected an error');
}

test('a postgres DataStore with every plugin_data key', () => {
  const { config } = parse(`DataStore "sql" {
    plugin_data {
      database_type = "postgres"
      connection_string = "dbname=spire user=spire password=s3cret host=db"
      ro_connection_string = "dbname=spire host=replica"
      max_open_conns = 20
      max_idle_conns = "5"
      conn_max_lifetime = "30m"
      disable_migration = true
      log_sql = true
    }
  }
  ${KEYMANAGER}`);
  assert.deepEqual(config.plugins.dataStore, {
    name: 'sql',
    databaseType: 'postgres',
    connectionString: 'dbname=spire user=spire password=s3cret host=db',
    roConnectionString: 'dbname=spire host=replica',
    maxOpenConns: 20,
    maxIdleConns: 5,
    connMaxLifetime: 1_800_000,
    disableMigration: true,
    logSql: true,
  });
});

test('database types tspire lacks are refused by name; connection_string is required', () => {
  const cases: [string, RegExp][] = [
    ['database_type = "mysql" connection_string = "x"', /^plugins\.DataStore\.sql\.plugin_data\.database_type: database type "mysql" is not supported by tspire \(supported: sqlite3, postgres\) \(at server\.conf:5:1\)$/],
    ['database_type "aws_postgres" { region = "us-east-1" } connection_string = "x"', /database type "aws_postgres" is not supported by tspire/],
    ['database_type = "oracle" connection_string = "x"', /database type "oracle" is not a known database type/],
    ['database_type = "postgres"', /^plugins\.DataStore\.sql\.plugin_data\.connection_string: must be configured$/],
    ['connection_string = "x"', /^plugins\.DataStore\.sql\.plugin_data\.database_type: must be configured/],
    ['database_type = "postgres" connection_string = "x" max_open_conns = -1', /max_open_conns: must not be negative, got -1/],
  ];
  for (const [data, expected] of cases) {
    const err = failure(`DataStore "sql" {\n  plugin_data {\n${data}\n}\n}\n${KEYMANAGER}`);
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, expected, data);
    assert.doesNotMatch(err.message, /s3cret/);
  }
});

test('cardinality: exactly one DataStore and KeyManager, at most one UpstreamAuthority', () => {
  assert.equal(failure(`${DATASTORE}\n${DATASTORE.replace('ds.sqlite3', 'b.sqlite3')}\n${KEYMANAGER}`).message,
    'plugins.DataStore: exactly one DataStore plugin must be configured, found 2: "sql", "sql" (at server.conf:4:11)');
  assert.equal(failure(KEYMANAGER).message, 'plugins.DataStore: exactly one DataStore plugin must be configured, found none');
  assert.match(failure(DATASTORE).message, /^plugins\.KeyManager: exactly one KeyManager plugin must be configured, found none$/);
  assert.match(failure(`${DATASTORE}\n${KEYMANAGER}\nKeyManager "disk" { plugin_data { keys_path = "k" } }`).message,
    /^plugins\.KeyManager: exactly one KeyManager plugin must be configured, found 2: "memory", "disk"/);
  const upstream = 'UpstreamAuthority "disk" { plugin_data { cert_file_path = "c" key_file_path = "k" } }';
  assert.match(failure(`${DATASTORE}\n${KEYMANAGER}\n${upstream}\n${upstream}`).message, /^plugins\.UpstreamAuthority: at most one UpstreamAuthority plugin can be configured, found 2/);
  assert.match(failure(`${DATASTORE}\n${KEYMANAGER}\nNodeAttestor "join_token" {}\nNodeAttestor "join_token" {}`).message, /NodeAttestor "join_token" is configured more than once/);
  // Disabled plugins do not count.
  const { config } = parse(`${DATASTORE}\n${KEYMANAGER}\nKeyManager "disk" { enabled = false }`);
  assert.deepEqual(config.plugins.keyManager, { name: 'memory' });
});

test('unknown plugin names list the supported ones; unknown types are refused', () => {
  assert.equal(failure(`${DATASTORE}\n${KEYMANAGER}\nNodeAttestor "k8s_psat" { plugin_data { clusters = {} } }`).message,
    'plugins.NodeAttestor.k8s_psat: NodeAttestor plugin "k8s_psat" is not supported by tspire (supported: join_token, x509pop) (at server.conf:5:14)');
  assert.match(failure(`${DATASTORE}\nKeyManager "aws_kms" {}`).message, /KeyManager plugin "aws_kms" is not supported by tspire \(supported: disk, memory\)/);
  assert.match(failure(`DataStore "mongo" {}\n${KEYMANAGER}`).message, /DataStore plugin "mongo" is not supported by tspire \(supported: sql\)/);
  assert.match(failure(`${DATASTORE}\n${KEYMANAGER}\nWorkloadAttestor "unix" {}`).message, /^plugins\.WorkloadAttestor: unknown plugin type "WorkloadAttestor" \(server plugin types: DataStore, KeyManager, NodeAttestor, UpstreamAuthority, Notifier, BundlePublisher, CredentialComposer\)/);
});

test('plugin types tspire lacks fail, or warn when disabled', () => {
  for (const type of ['Notifier', 'BundlePublisher', 'CredentialComposer']) {
    assert.match(failure(`${DATASTORE}\n${KEYMANAGER}\n${type} "x" { plugin_data { a = 1 } }`).message, new RegExp(`^plugins\\.${type}\\.x: plugin type ${type} "x" is not supported by tspire`));
  }
  const { warnings } = parse(`${DATASTORE}\n${KEYMANAGER}\nNotifier "k8sbundle" { enabled = false plugin_data { namespace = "spire" } }`);
  assert.deepEqual(warnings, ['plugins.Notifier.k8sbundle: plugin type Notifier "k8sbundle" is not supported by tspire; it is disabled (enabled = false), ignored']);
});

test('external plugins are refused', () => {
  for (const key of ['plugin_cmd = "/usr/bin/plugin"', 'plugin_checksum = "abc"']) {
    const err = failure(`${DATASTORE}\nKeyManager "disk" { ${key} plugin_data { keys_path = "k" } }`);
    assert.match(err.message, /^plugins\.KeyManager\.disk: external plugins are not supported by tspire/);
  }
});

test('both plugin_data forms, plugin_data_file, and unknown plugin_data keys', () => {
  const blockForm = parse(`${DATASTORE}\nKeyManager "disk" { plugin_data { keys_path = "keys.json" } }`).config;
  const assignForm = parse(`${DATASTORE}\nKeyManager "disk" { plugin_data = { keys_path = "keys.json" } }`).config;
  assert.deepEqual(blockForm.plugins.keyManager, { name: 'disk', keysPath: '/w/keys.json' });
  assert.deepEqual(assignForm.plugins.keyManager, blockForm.plugins.keyManager);

  const files = { '/w/conf/km.conf': 'keys_path = "/var/keys.json"\n', '/w/conf/bad.conf': 'keys_path = \n' };
  const fromFile = parse(`${DATASTORE}\nKeyManager "disk" { plugin_data_file = "conf/km.conf" }`, files).config;
  assert.deepEqual(fromFile.plugins.keyManager, { name: 'disk', keysPath: '/var/keys.json' });
  assert.throws(() => parse(`${DATASTORE}\nKeyManager "disk" { plugin_data_file = "conf/bad.conf" }`, files), (err: unknown) =>
    err instanceof HclError && err.filename === '/w/conf/bad.conf' && err.line === 2);
  assert.match(failure(`${DATASTORE}\nKeyManager "disk" { plugin_data_file = "none.conf" }`).message, /^plugins\.KeyManager\.disk\.plugin_data_file: cannot read "\/w\/none\.conf": ENOENT/);
  assert.match(failure(`${DATASTORE}\nKeyManager "disk" { plugin_data_file = "a" plugin_data {} }`).message, /plugin_data and plugin_data_file are mutually exclusive/);
  assert.match(failure(`${DATASTORE}\nKeyManager "disk" { plugin_data {} }`).message, /^plugins\.KeyManager\.disk\.plugin_data\.keys_path: must be configured$/);

  const unknown = failure(`${DATASTORE}\n${KEYMANAGER}\nNodeAttestor "join_token" { plugin_data { ttl = 1 } }\nUpstreamAuthority "disk" { plugin_data { cert_file = "c" } }`);
  assert.ok(unknown instanceof UnknownKeysError);
  assert.equal(unknown.message, 'unknown configuration detected: plugins.NodeAttestor.join_token.plugin_data.ttl, plugins.UpstreamAuthority.disk.plugin_data.cert_file');
});

test('x509pop plugin_data: defaults, modes and path lists', () => {
  const attestor = (data: string) => parse(`${DATASTORE}\n${KEYMANAGER}\nNodeAttestor "x509pop" { plugin_data { ${data} } }`).config.plugins.nodeAttestors[0];
  assert.deepEqual(attestor('ca_bundle_path = "ca.pem"'), {
    name: 'x509pop', mode: 'external_pki', svidPrefix: '/spire-exchange', caBundlePaths: ['/w/ca.pem'],
    maxIntermediates: 4, maxRsaKeySize: 8192, verifyClientIp: false,
  });
  assert.deepEqual(attestor('mode = "spiffe" svid_prefix = "/x" agent_path_template = "/x509pop/{{ .Fingerprint }}" verify_client_ip = true max_intermediates = 2'), {
    name: 'x509pop', mode: 'spiffe', svidPrefix: '/x', caBundlePaths: [], agentPathTemplate: '/x509pop/{{ .Fingerprint }}',
    maxIntermediates: 2, maxRsaKeySize: 8192, verifyClientIp: true,
  });
  const paths = attestor('ca_bundle_paths = ["/a.pem", "b.pem"]');
  assert.deepEqual(paths?.name === 'x509pop' ? paths.caBundlePaths : undefined, ['/a.pem', '/w/b.pem']);
  const bad = (data: string) => failure(`${DATASTORE}\n${KEYMANAGER}\nNodeAttestor "x509pop" { plugin_data { ${data} } }`).message;
  assert.match(bad(''), /one of ca_bundle_path or ca_bundle_paths must be configured in external_pki mode/);
  assert.match(bad('ca_bundle_path = "a" ca_bundle_paths = ["b"]'), /only one of ca_bundle_path or ca_bundle_paths can be configured, not both/);
  assert.match(bad('mode = "tofu"'), /^plugins\.NodeAttestor\.x509pop\.plugin_data\.mode: must be "external_pki" or "spiffe", got "tofu"/);
  assert.match(bad('mode = "spiffe" ca_bundle_path = "a"'), /cannot be used in spiffe mode/);
});

test('x509pop prefix: svid_prefix (SPIRE docs) and spiffe_prefix (what SPIRE reads) are one setting', () => {
  const block = (data: string) => `${DATASTORE}\n${KEYMANAGER}\nNodeAttestor "x509pop" { plugin_data { mode = "spiffe" ${data} } }`;
  const prefix = (data: string) => {
    const attestor = parse(block(data)).config.plugins.nodeAttestors[0];
    return attestor?.name === 'x509pop' ? attestor.svidPrefix : undefined;
  };
  assert.equal(prefix(''), '/spire-exchange');
  assert.equal(prefix('svid_prefix = "/a"'), '/a');
  assert.equal(prefix('spiffe_prefix = "/b"'), '/b');
  const both = failure(block('svid_prefix = "/a" spiffe_prefix = "/a"'));
  assert.ok(both instanceof ConfigError);
  assert.match(both.message, /^plugins\.NodeAttestor\.x509pop\.plugin_data\.svid_prefix: svid_prefix and spiffe_prefix are two names for the same setting; configure only one/);
  assert.match(failure(block('spiffe_prefix = "b"')).message, /^plugins\.NodeAttestor\.x509pop\.plugin_data\.spiffe_prefix: must start with "\/"/);
  assert.match(failure(block('svid_prefix = "a"')).message, /^plugins\.NodeAttestor\.x509pop\.plugin_data\.svid_prefix: must start with "\/"/);
});

test('UpstreamAuthority disk: cert and key required, bundle optional', () => {
  const upstream = (data: string) => parse(`${DATASTORE}\n${KEYMANAGER}\nUpstreamAuthority "disk" { plugin_data { ${data} } }`).config.plugins.upstreamAuthority;
  assert.deepEqual(upstream('cert_file_path = "/c.pem" key_file_path = "k.pem" bundle_file_path = "b.pem"'), {
    name: 'disk', certFilePath: '/c.pem', keyFilePath: '/w/k.pem', bundleFilePath: '/w/b.pem',
  });
  assert.match(failure(`${DATASTORE}\n${KEYMANAGER}\nUpstreamAuthority "disk" { plugin_data { cert_file_path = "c" } }`).message,
    /^plugins\.UpstreamAuthority\.disk\.plugin_data\.key_file_path: must be configured$/);
});
