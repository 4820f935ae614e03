import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, HclError, UnknownKeysError } from '@tspire/common';
import { loadServerConfig } from './load.js';
import { serverFlags } from './flags.js';

/** An in-memory filesystem: absolute path -> text; missing files throw ENOENT like fs does. */
function memoryFs(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

// The shape of SPIRE's shipped conf/server/server.conf.
const SAMPLE = `server {
    bind_address = "127.0.0.1"
    bind_port = "8081"
    socket_path = "/tmp/spire-server/private/api.sock"
    trust_domain = "example.org"
    data_dir = "./.data"
    log_level = "DEBUG"
    ca_ttl = "168h"
    default_x509_svid_ttl = "48h"
}

plugins {
    DataStore "sql" {
        plugin_data {
            database_type = "sqlite3"
            connection_string = "./.data/datastore.sqlite3"
        }
    }

    KeyManager "memory" {
        plugin_data = {}
    }

    NodeAttestor "join_token" {
        plugin_data {
        }
    }

    UpstreamAuthority "disk" {
        plugin_data {
            key_file_path = "./conf/server/dummy_upstream_ca.key"
            cert_file_path = "./conf/server/dummy_upstream_ca.crt"
        }
    }
}
`;

const CWD = '/opt/spire';

function load(files: Record<string, string>, argv: string[] = [], env: Record<string, string> = {}) {
  return loadServerConfig({ argv, readFile: memoryFs(files), env, cwd: CWD });
}

test('SPIRE sample server.conf loads from the default -config path, relative paths against cwd', () => {
  const { config, warnings, configPath } = load({ '/opt/spire/conf/server/server.conf': SAMPLE });
  assert.equal(configPath, '/opt/spire/conf/server/server.conf');
  assert.equal(config.bindAddress, '127.0.0.1');
  assert.equal(config.bindPort, 8081);
  assert.equal(config.trustDomain.name, 'example.org');
  assert.equal(config.dataDir, '/opt/spire/.data');
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.caTtl, 168 * 3600_000);
  assert.equal(config.defaultX509SvidTtl, 48 * 3600_000);
  assert.equal(config.agentTtl, 48 * 3600_000, 'agent_ttl follows default_x509_svid_ttl');
  assert.deepEqual(config.plugins.dataStore, {
    name: 'sql',
    databaseType: 'sqlite3',
    connectionString: '/opt/spire/.data/datastore.sqlite3',
    maxOpenConns: 100,
    maxIdleConns: 100,
    disableMigration: false,
    logSql: false,
  });
  assert.deepEqual(config.plugins.keyManager, { name: 'memory' });
  assert.deepEqual(config.plugins.nodeAttestors, [{ name: 'join_token' }]);
  assert.deepEqual(config.plugins.upstreamAuthority, {
    name: 'disk',
    certFilePath: '/opt/spire/conf/server/dummy_upstream_ca.crt',
    keyFilePath: '/opt/spire/conf/server/dummy_upstream_ca.key',
  });
  // 48h > 168h/6 = 28h: SPIRE's warning, for the X.509 default only.
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^default_x509_svid_ttl is too high for the configured ca_ttl value\. .*set default_x509_svid_ttl to 28h0m0s or less, or the ca_ttl to 288h0m0s or more/);
});

const MINIMAL = `server { trust_domain = "example.org"  data_dir = "/var/lib/spire" }
plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "file:/tmp/x.db?cache=shared" } }
  KeyManager "disk" { plugin_data { keys_path = "/var/lib/spire/keys.json" } }
}`;

test('every default', () => {
  const { config, warnings } = load({ '/etc/server.conf': MINIMAL }, ['-config', '/etc/server.conf']);
  assert.deepEqual(warnings, []);
  assert.equal(config.bindAddress, '0.0.0.0');
  assert.equal(config.bindPort, 8081);
  assert.equal(config.socketPath, '/tmp/spire-server/private/api.sock');
  assert.equal(config.logLevel, 'info');
  assert.equal(config.logFormat, 'text');
  assert.equal(config.logFile, undefined);
  assert.equal(config.logSourceLocation, false);
  assert.equal(config.caKeyType, 'ec-p256');
  assert.equal(config.jwtKeyType, 'ec-p256');
  assert.deepEqual(config.caSubject, { country: ['US'], organization: ['SPIFFE'], commonName: '' });
  assert.equal(config.caTtl, 24 * 3600_000);
  assert.equal(config.defaultX509SvidTtl, 3600_000);
  assert.equal(config.defaultJwtSvidTtl, 300_000);
  assert.equal(config.agentTtl, 3600_000);
  assert.equal(config.jwtIssuer, undefined);
  assert.equal(config.disableJwtSvids, false);
  assert.deepEqual(config.adminIds, []);
  assert.equal(config.auditLogEnabled, false);
  assert.deepEqual(config.ratelimit, { attestation: true, signing: true });
  assert.deepEqual(config.federation, { federatesWith: [] });
  assert.equal(config.pruneAttestedNodesExpiredFor, undefined);
  assert.equal(config.pruneAttestedNodesBatchSize, 1000);
  assert.equal(config.pruneTofuNodes, false);
  assert.deepEqual(config.experimental, {
    cacheReloadInterval: 1_000,
    eventsBasedCache: false,
    fullCacheReloadInterval: 24 * 3600_000,
    pruneEventsOlderThan: 12 * 3600_000,
    eventTimeout: 15 * 60_000,
    agentSpiffeIdAsSelector: false,
  });
  assert.equal(config.plugins.dataStore.connectionString, 'file:/tmp/x.db?cache=shared', 'URIs are kept as written');
  assert.deepEqual(config.plugins.keyManager, { name: 'disk', keysPath: '/var/lib/spire/keys.json' });
  assert.deepEqual(config.plugins.nodeAttestors, []);
  assert.equal(config.plugins.upstreamAuthority, undefined);
  assert.deepEqual(config.healthChecks, { listenerEnabled: false, bindAddress: 'localhost', bindPort: 80, livePath: '/live', readyPath: '/ready' });
  assert.deepEqual(config.telemetry, {
    metricPrefix: 'spire_server',
    enableTrustDomainLabel: false,
    enableHostnameLabel: true,
    allowedPrefixes: [],
    blockedPrefixes: [],
    allowedLabels: [],
    blockedLabels: [],
  });
});

test('flags override the file, which overrides the defaults', () => {
  const files = { '/etc/server.conf': MINIMAL.replace('server {', 'server { bind_port = 9000 log_level = "warn" log_format = "json" ') };
  const argv = [
    '-config=/etc/server.conf', '-bindAddress', '10.0.0.1', '-serverPort', '7000', '-dataDir', 'data',
    '-logFile', 'logs/server.log', '-logFormat', 'TEXT', '-logLevel', 'trace', '-logSourceLocation',
    '-trustDomain', 'other.test', '-socketPath', 'run/api.sock',
  ];
  const { config } = load(files, argv);
  assert.equal(config.bindAddress, '10.0.0.1');
  assert.equal(config.bindPort, 7000);
  assert.equal(config.dataDir, '/opt/spire/data');
  assert.equal(config.logFile, '/opt/spire/logs/server.log');
  assert.equal(config.logFormat, 'text');
  assert.equal(config.logLevel, 'trace');
  assert.equal(config.logSourceLocation, true);
  assert.equal(config.trustDomain.name, 'other.test');
  assert.equal(config.socketPath, '/opt/spire/run/api.sock');
  // Without flags the file's values stand.
  const fromFile = load(files, ['-config', '/etc/server.conf']).config;
  assert.equal(fromFile.bindPort, 9000);
  assert.equal(fromFile.logLevel, 'warn');
  assert.equal(fromFile.logFormat, 'json');
  // Pre-parsed flags work the same.
  const flags = serverFlags.parse(['-config', '/etc/server.conf', '-serverPort', '1234']);
  assert.equal(loadServerConfig({ flags, readFile: memoryFs(files), cwd: CWD, env: {} }).config.bindPort, 1234);
});

test('a bad flag value is reported against the flag, not the file', () => {
  assert.throws(() => load({ '/etc/server.conf': MINIMAL }, ['-config', '/etc/server.conf', '-logLevel', 'loud']), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.path, 'server.log_level');
    assert.match(err.message, /not a valid logrus Level: "loud" \(set by -logLevel\)$/);
    return true;
  });
  assert.throws(() => load({}, ['-nope']), /flag provided but not defined: -nope/);
});

test('-expandEnv expands $VAR and ${VAR}; without it the text is literal', () => {
  const text = MINIMAL.replace('"example.org"', '"${TD}"').replace('trust_domain', 'bind_port = $PORT\n trust_domain');
  const files = { '/etc/server.conf': text };
  const env = { TD: 'env.example', PORT: '9443' };
  const { config } = load(files, ['-config', '/etc/server.conf', '-expandEnv'], env);
  assert.equal(config.trustDomain.name, 'env.example');
  assert.equal(config.bindPort, 9443);
  assert.throws(() => load(files, ['-config', '/etc/server.conf'], env), HclError);
});

test('JSON configs are read the same as HCL', () => {
  const json = JSON.stringify({
    server: { trust_domain: 'example.org', data_dir: '/d', bind_port: '8443', admin_ids: ['spiffe://example.org/admin'] },
    plugins: {
      DataStore: [{ sql: { plugin_data: { database_type: 'postgres', connection_string: 'dbname=spire host=db' } } }],
      KeyManager: [{ memory: {} }],
      NodeAttestor: [{ join_token: { plugin_data: {} } }, { x509pop: { plugin_data: { ca_bundle_path: 'ca.pem' } } }],
    },
    health_checks: { listener_enabled: true, bind_port: 8080 },
  });
  const { config } = load({ '/etc/server.json': json }, ['-config', '/etc/server.json']);
  assert.equal(config.bindPort, 8443);
  assert.deepEqual(config.adminIds.map(String), ['spiffe://example.org/admin']);
  assert.equal(config.plugins.dataStore.databaseType, 'postgres');
  assert.equal(config.plugins.dataStore.connectionString, 'dbname=spire host=db');
  assert.deepEqual(config.plugins.nodeAttestors.map((n) => n.name), ['join_token', 'x509pop']);
  assert.equal(config.healthChecks.listenerEnabled, true);
  assert.equal(config.healthChecks.bindPort, 8080);
});

test('missing config file: SPIRE message with the absolute path', () => {
  assert.throws(() => load({}, ['-config', 'conf/missing.conf']), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'could not find config file /opt/spire/conf/missing.conf: please use the -config flag');
    return true;
  });
  const denied = () => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
  assert.throws(() => loadServerConfig({ argv: [], readFile: denied, cwd: CWD }), /unable to read configuration at "\/opt\/spire\/conf\/server\/server.conf": EACCES/);
});

test('unparsable HCL reports file, line and column', () => {
  const text = 'server {\n  trust_domain = "example.org"\n  bind_port = \n}\n';
  assert.throws(() => load({ '/etc/server.conf': text }, ['-config', '/etc/server.conf']), (err: unknown) => {
    assert.ok(err instanceof HclError);
    assert.equal(err.line, 4);
    assert.match(err.message, /^\/etc\/server\.conf:4:1: /);
    return true;
  });
});

test('unknown keys fail start-up, all named with their paths', () => {
  const text = MINIMAL.replace('server {', 'server {\n  bind_adress = "x"\n  experimental { foo = 1 }\n') + '\nextra {}\n';
  assert.throws(() => load({ '/etc/server.conf': text }, ['-config', '/etc/server.conf']), (err: unknown) => {
    assert.ok(err instanceof UnknownKeysError);
    assert.equal(err.message, 'unknown configuration detected: server.bind_adress, server.experimental.foo, extra');
    assert.deepEqual(err.keys.map((k) => k.position?.line), [2, 3, 9]);
    return true;
  });
});

test('run/validate flags: SPIRE names, -config default', () => {
  const names = [...serverFlags.usage().matchAll(/^ {2}-(\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(names, ['bindAddress', 'config', 'dataDir', 'expandEnv', 'logFile', 'logFormat', 'logLevel', 'logSourceLocation', 'serverPort', 'socketPath', 'trustDomain']);
  assert.equal(serverFlags.parse([]).values.config, 'conf/server/server.conf');
  assert.throws(() => serverFlags.parse(['-serverPort', 'x']), /invalid value "x" for flag -serverPort/);
});
