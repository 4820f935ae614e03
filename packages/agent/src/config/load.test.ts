import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, HclError, UnknownKeysError } from '@tspire/common';
import { INVALID_PREFIX, VALID_MESSAGE, loadAgentConfig, validateAgentConfig } from './load.js';
import { agentFlags } from './flags.js';

/** An in-memory filesystem: absolute path -> text; missing files throw ENOENT like fs does. */
function memoryFs(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

// SPIRE's shipped conf/agent/agent.conf, as it is.
const SAMPLE = `agent {
    data_dir = "./.data"
    log_level = "DEBUG"
    trust_domain = "example.org"
    server_address = "localhost"
    server_port = 8081

    # Insecure bootstrap is NOT appropriate for production use but is ok for
    # simple testing/evaluation purposes.
    insecure_bootstrap = true
}

plugins {
   KeyManager "disk" {
        plugin_data {
            directory = "./.data"
        }
    }

    NodeAttestor "join_token" {
        plugin_data {}
    }

    WorkloadAttestor "unix" {
        plugin_data {}
    }
}
`;

// The shape older SPIRE releases shipped: a bootstrap bundle file and a socket_path.
const OLDER_SAMPLE = `agent {
    data_dir = "./.data"
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = "8081"
    socket_path ="/tmp/spire-agent/public/api.sock"
    trust_bundle_path = "./conf/agent/dummy_root_ca.crt"
    trust_domain = "example.org"
}

plugins {
    NodeAttestor "join_token" {
        plugin_data {
        }
    }
    KeyManager "disk" {
        plugin_data {
            directory = "./.data"
        }
    }
    WorkloadAttestor "unix" {
        plugin_data {
        }
    }
}
`;

const CWD = '/opt/spire';
const INSECURE_WARNING = 'agent.insecure_bootstrap: the agent will not authenticate the server on its first connection; use it only for testing';

function load(files: Record<string, string>, argv: string[] = [], env: Record<string, string> = {}) {
  return loadAgentConfig({ argv, readFile: memoryFs(files), env, cwd: CWD });
}

test('SPIRE sample agent.conf loads from the default -config path, with -joinToken', () => {
  const { config, warnings, configPath } = load({ '/opt/spire/conf/agent/agent.conf': SAMPLE }, ['-joinToken', 'd1d6c5b4-token']);
  assert.equal(configPath, '/opt/spire/conf/agent/agent.conf');
  assert.equal(config.serverAddress, 'localhost');
  assert.equal(config.serverPort, 8081);
  assert.equal(config.trustDomain.name, 'example.org');
  assert.deepEqual(config.trustBundle, { kind: 'insecure' });
  assert.equal(config.joinToken, 'd1d6c5b4-token');
  assert.equal(config.dataDir, '/opt/spire/.data');
  assert.equal(config.socketPath, '/tmp/spire-agent/public/api.sock');
  assert.equal(config.logLevel, 'debug');
  assert.deepEqual(config.plugins, {
    nodeAttestor: { name: 'join_token' },
    keyManager: { name: 'disk', directory: '/opt/spire/.data' },
    workloadAttestors: [{ name: 'unix', discoverWorkloadPath: false, workloadSizeLimit: 0 }],
  });
  assert.deepEqual(warnings, [INSECURE_WARNING]);
});

test('the older sample (trust_bundle_path, quoted port) loads too', () => {
  const { config, warnings } = load({ '/opt/spire/conf/agent/agent.conf': OLDER_SAMPLE });
  assert.deepEqual(warnings, []);
  assert.equal(config.serverPort, 8081);
  assert.deepEqual(config.trustBundle, { kind: 'path', path: '/opt/spire/conf/agent/dummy_root_ca.crt', format: 'pem' });
  assert.equal(config.joinToken, undefined);
});

const MINIMAL = `agent { trust_domain = "example.org"  server_address = "spire.example.org"  server_port = 8081  trust_bundle_path = "/etc/bootstrap.crt" }
plugins {
  NodeAttestor "join_token" {}
  KeyManager "memory" {}
  WorkloadAttestor "unix" {}
}`;

test('every default', () => {
  const { config, warnings } = load({ '/etc/agent.conf': MINIMAL }, ['-config', '/etc/agent.conf']);
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.trustBundle, { kind: 'path', path: '/etc/bootstrap.crt', format: 'pem' });
  assert.equal(config.joinToken, undefined);
  assert.equal(config.dataDir, '/opt/spire', 'data_dir defaults to "." (the working directory)');
  assert.equal(config.socketPath, '/tmp/spire-agent/public/api.sock');
  assert.equal(config.adminSocketPath, undefined);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.logFormat, 'text');
  assert.equal(config.logFile, undefined);
  assert.equal(config.logSourceLocation, false);
  assert.equal(config.x509SvidCacheMaxSize, 1000);
  assert.equal(config.jwtSvidCacheMaxSize, 1000);
  assert.equal(config.workloadX509SvidKeyType, 'ec-p256');
  assert.equal(config.availabilityTarget, undefined);
  assert.equal(config.allowUnauthenticatedVerifiers, false);
  assert.deepEqual(config.allowedForeignJwtClaims, []);
  assert.deepEqual(config.authorizedDelegates, []);
  assert.equal(config.disableWorkloadApi, false);
  assert.equal(config.disableSdsApi, false);
  assert.deepEqual(config.sds, { defaultSvidName: 'default', defaultBundleName: 'ROOTCA', defaultAllBundlesName: 'ALL', disableSpiffeCertValidation: false });
  assert.deepEqual(config.experimental, { syncInterval: 5_000 });
  assert.deepEqual(config.plugins.keyManager, { name: 'memory' });
  assert.deepEqual(config.healthChecks, { listenerEnabled: false, bindAddress: 'localhost', bindPort: 80, livePath: '/live', readyPath: '/ready' });
  assert.deepEqual(config.telemetry, {
    metricPrefix: 'spire_agent',
    enableTrustDomainLabel: false,
    enableHostnameLabel: true,
    allowedPrefixes: [],
    blockedPrefixes: [],
    allowedLabels: [],
    blockedLabels: [],
  });
});

test('flags override the file, which overrides the defaults', () => {
  const file = MINIMAL.replace('agent {', 'agent { log_level = "warn" log_format = "json" data_dir = "/var/lib/spire-agent" join_token = "from-file" ');
  const files = { '/etc/agent.conf': file, '/opt/spire/token.txt': 'from-token-file\n' };
  const argv = [
    '-config=/etc/agent.conf', '-serverAddress', '10.0.0.1', '-serverPort', '7000', '-trustDomain', 'other.test',
    '-dataDir', 'data', '-socketPath', 'run/api.sock', '-logFile', 'logs/agent.log', '-logFormat', 'TEXT',
    '-logLevel', 'trace', '-logSourceLocation', '-joinToken', 'from-flag', '-trustBundle', 'bundle.pem',
    '-trustBundleFormat', 'spiffe', '-allowUnauthenticatedVerifiers', '-disableWorkloadAPI', '-disableSDSAPI',
  ];
  const { config } = load(files, argv);
  assert.equal(config.serverAddress, '10.0.0.1');
  assert.equal(config.serverPort, 7000);
  assert.equal(config.trustDomain.name, 'other.test');
  assert.equal(config.dataDir, '/opt/spire/data');
  assert.equal(config.socketPath, '/opt/spire/run/api.sock');
  assert.equal(config.logFile, '/opt/spire/logs/agent.log');
  assert.equal(config.logFormat, 'text');
  assert.equal(config.logLevel, 'trace');
  assert.equal(config.logSourceLocation, true);
  assert.equal(config.joinToken, 'from-flag');
  assert.deepEqual(config.trustBundle, { kind: 'path', path: '/opt/spire/bundle.pem', format: 'spiffe' });
  assert.equal(config.allowUnauthenticatedVerifiers, true);
  assert.equal(config.disableWorkloadApi, true);
  assert.equal(config.disableSdsApi, true);
  // Without flags the file's values stand.
  const fromFile = load(files, ['-config', '/etc/agent.conf']).config;
  assert.equal(fromFile.logLevel, 'warn');
  assert.equal(fromFile.logFormat, 'json');
  assert.equal(fromFile.dataDir, '/var/lib/spire-agent');
  assert.equal(fromFile.joinToken, 'from-file');
  // An empty string flag counts as not given (SPIRE merges flags skipping empty values).
  assert.equal(load(files, ['-config', '/etc/agent.conf', '-joinToken', '', '-serverAddress=']).config.joinToken, 'from-file');
  // -trustBundleUrl and -insecureBootstrap replace nothing: they collide with the file's path, as in SPIRE.
  assert.throws(() => load(files, ['-config', '/etc/agent.conf', '-insecureBootstrap']),
    /^ConfigError: agent\.insecure_bootstrap: only one of insecure_bootstrap or trust_bundle_path can be specified, not both \(set by -insecureBootstrap\)$/);
  // Pre-parsed flags work the same.
  const flags = agentFlags.parse(['-config', '/etc/agent.conf', '-serverPort', '1234']);
  assert.equal(loadAgentConfig({ flags, readFile: memoryFs(files), cwd: CWD, env: {} }).config.serverPort, 1234);
});

test('-joinTokenFile reads the token (trimmed) and collides with a join_token', () => {
  const files = { '/etc/agent.conf': MINIMAL, '/opt/spire/token.txt': '  \n\tsecret-token-1 \n' };
  assert.equal(load(files, ['-config', '/etc/agent.conf', '-joinTokenFile', 'token.txt']).config.joinToken, 'secret-token-1');
  const err = configError(() => load(files, ['-config', '/etc/agent.conf', '-joinTokenFile', 'token.txt', '-joinToken', 'secret-token-2']));
  assert.equal(err.message, 'agent.join_token_file: only one of join_token or join_token_file can be specified, not both (set by -joinTokenFile)');
  assert.doesNotMatch(err.message, /secret/);
});

test('a bad flag value is reported against the flag, not the file', () => {
  const cases: [string[], string][] = [
    [['-logLevel', 'loud'], 'agent.log_level: not a valid logrus Level: "loud" (set by -logLevel)'],
    [['-serverPort', '0'], 'agent.server_port: must be configured (set by -serverPort)'],
    [['-rebootstrapMode', 'sometimes'], 'agent.rebootstrap_mode: invalid value "sometimes", expected one of never, auto, always (set by -rebootstrapMode)'],
    [['-trustBundleFormat', 'der'], 'agent.trust_bundle_format: invalid value "der", expected "pem" or "spiffe" (set by -trustBundleFormat)'],
  ];
  for (const [flags, expected] of cases) {
    assert.equal(configError(() => load({ '/etc/agent.conf': MINIMAL }, ['-config', '/etc/agent.conf', ...flags])).message, expected);
  }
  assert.match(configError(() => load({ '/etc/agent.conf': MINIMAL }, ['-config', '/etc/agent.conf', '-rebootstrapDelay', 'soon'])).message,
    /^agent\.rebootstrap_delay: expected a duration such as "10m", got "soon" \(.+\) \(set by -rebootstrapDelay\)$/);
  assert.throws(() => load({}, ['-nope']), /flag provided but not defined: -nope/);
  assert.throws(() => load({}, ['-serverPort', 'x']), /invalid value "x" for flag -serverPort/);
});

test('-rebootstrapMode and -rebootstrapDelay are validated and reported as ignored', () => {
  const { warnings } = load({ '/etc/agent.conf': MINIMAL }, ['-config', '/etc/agent.conf', '-rebootstrapMode', 'auto', '-rebootstrapDelay', '5m']);
  assert.deepEqual(warnings, ['agent.rebootstrap_mode: "auto" is not supported by tspire, ignored (the agent never rebootstraps)']);
});

test('-expandEnv expands $VAR and ${VAR}; without it the text is literal', () => {
  const text = MINIMAL.replace('"example.org"', '"${TD}"').replace('server_port = 8081', 'server_port = $PORT');
  const files = { '/etc/agent.conf': text };
  const env = { TD: 'env.example', PORT: '9443' };
  const { config } = load(files, ['-config', '/etc/agent.conf', '-expandEnv'], env);
  assert.equal(config.trustDomain.name, 'env.example');
  assert.equal(config.serverPort, 9443);
  assert.throws(() => load(files, ['-config', '/etc/agent.conf'], env), HclError);
  // A quoted variable without -expandEnv stays as written, and then is not a valid trust domain.
  const quoted = { '/etc/agent.conf': MINIMAL.replace('"example.org"', '"$TD"') };
  assert.match(configError(() => load(quoted, ['-config', '/etc/agent.conf'], env)).message, /^agent\.trust_domain: could not parse trust_domain "\$TD"/);
});

test('JSON configs are read the same as HCL', () => {
  const json = JSON.stringify({
    agent: { trust_domain: 'example.org', server_address: 'spire', server_port: '8081', trust_bundle_url: 'https://bundle.example.org/b.pem' },
    plugins: {
      NodeAttestor: [{ x509pop: { plugin_data: { private_key_path: 'k.pem', certificate_path: 'c.pem' } } }],
      KeyManager: [{ disk: { plugin_data: { directory: '/var/lib/spire-agent' } } }],
      WorkloadAttestor: [{ unix: { plugin_data: { discover_workload_path: true } } }, { docker: {} }],
    },
    health_checks: { listener_enabled: true, bind_port: 8080 },
  });
  const { config } = load({ '/etc/agent.json': json }, ['-config', '/etc/agent.json']);
  assert.equal(config.serverPort, 8081);
  assert.deepEqual(config.trustBundle, { kind: 'url', url: 'https://bundle.example.org/b.pem', format: 'pem' });
  assert.deepEqual(config.plugins.nodeAttestor, { name: 'x509pop', privateKeyPath: '/opt/spire/k.pem', certificatePath: '/opt/spire/c.pem' });
  assert.deepEqual(config.plugins.keyManager, { name: 'disk', directory: '/var/lib/spire-agent' });
  assert.deepEqual(config.plugins.workloadAttestors, [
    { name: 'unix', discoverWorkloadPath: true, workloadSizeLimit: 0 },
    { name: 'docker', dockerSocketPath: '/var/run/docker.sock' },
  ]);
  assert.equal(config.healthChecks.listenerEnabled, true);
  assert.equal(config.healthChecks.bindPort, 8080);
});

test('missing config file: SPIRE message with the absolute path', () => {
  assert.equal(configError(() => load({}, ['-config', 'conf/missing.conf'])).message,
    'could not find config file /opt/spire/conf/missing.conf: please use the -config flag');
  const denied = () => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
  assert.throws(() => loadAgentConfig({ argv: [], readFile: denied, cwd: CWD }), /unable to read configuration at "\/opt\/spire\/conf\/agent\/agent.conf": EACCES/);
});

test('unparsable HCL reports file, line and column', () => {
  const text = 'agent {\n  trust_domain = "example.org"\n  server_port = \n}\n';
  assert.throws(() => load({ '/etc/agent.conf': text }, ['-config', '/etc/agent.conf']), (err: unknown) => {
    assert.ok(err instanceof HclError);
    assert.equal(err.line, 4);
    assert.match(err.message, /^\/etc\/agent\.conf:4:1: /);
    return true;
  });
});

test('unknown keys fail start-up, all named with their paths and positions', () => {
  const text = MINIMAL.replace('agent {', 'agent {\n  server_adress = "x"\n  retry_bootstrap = true\n  experimental { foo = 1 }\n  sds { bar = 2 }\n')
    .replace('WorkloadAttestor "unix" {}', 'WorkloadAttestor "unix" { plugin_data { discover_path = true } }') + '\nextra {}\nhealth_checks { port = 1 }\n';
  assert.throws(() => load({ '/etc/agent.conf': text }, ['-config', '/etc/agent.conf']), (err: unknown) => {
    assert.ok(err instanceof UnknownKeysError);
    assert.equal(err.message, 'unknown configuration detected: agent.server_adress, agent.retry_bootstrap, agent.experimental.foo, agent.sds.bar, ' +
      'extra, health_checks.port, plugins.WorkloadAttestor.unix.plugin_data.discover_path');
    assert.deepEqual(err.keys.map((k) => k.position?.line), [2, 3, 4, 5, 12, 13, 10]);
    return true;
  });
});

test('run/validate flags: SPIRE names, -config default', () => {
  const names = [...agentFlags.usage().matchAll(/^ {2}-(\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(names, [
    'allowUnauthenticatedVerifiers', 'config', 'dataDir', 'disableSDSAPI', 'disableWorkloadAPI', 'expandEnv', 'insecureBootstrap',
    'joinToken', 'joinTokenFile', 'logFile', 'logFormat', 'logLevel', 'logSourceLocation', 'rebootstrapDelay', 'rebootstrapMode',
    'serverAddress', 'serverPort', 'socketPath', 'trustBundle', 'trustBundleFormat', 'trustBundleUrl', 'trustDomain',
  ]);
  assert.equal(agentFlags.parse([]).values.config, 'conf/agent/agent.conf');
  assert.match(agentFlags.usage(), /-config string\n\s+Path to a SPIRE config file \(default "conf\/agent\/agent.conf"\)/);
});

test('validateAgentConfig says valid or invalid in SPIRE words', () => {
  const files = { '/etc/agent.conf': MINIMAL, '/etc/bad.conf': MINIMAL.replace('server_port = 8081', '') };
  const ok = validateAgentConfig({ argv: ['-config', '/etc/agent.conf'], readFile: memoryFs(files), cwd: CWD, env: {} });
  assert.deepEqual(ok, { valid: true, message: VALID_MESSAGE, warnings: [], configPath: '/etc/agent.conf' });
  assert.equal(VALID_MESSAGE, 'SPIRE agent configuration file is valid.');
  const bad = validateAgentConfig({ argv: ['-config', '/etc/bad.conf'], readFile: memoryFs(files), cwd: CWD, env: {} });
  assert.equal(bad.valid, false);
  assert.equal(bad.message, `${INVALID_PREFIX}agent.server_port: must be configured`);
  assert.ok(!bad.valid && bad.error instanceof ConfigError);
  assert.equal(INVALID_PREFIX, 'SPIRE agent configuration file is invalid: ');
  // Flag errors are the CLI's to print with the usage.
  assert.throws(() => validateAgentConfig({ argv: ['-bogus'], readFile: memoryFs(files) }), /flag provided but not defined: -bogus/);
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}
