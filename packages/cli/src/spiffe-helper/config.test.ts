import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, UnknownKeysError } from '@tspire/common';
import { DEFAULT_AGENT_SOCKET, parseHelperConfig, resolveAgentSocket } from './config.js';

const X509 = `cert_dir = "/run/svids"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "bundle.pem"
`;

test('a full config decodes with the original defaults', () => {
  const { config, warnings } = parseHelperConfig(
    `${X509}agent_address = "/run/spire/agent.sock"
cmd = "/usr/bin/postgres"
cmd_args = "-D /data -c \\"ssl=on\\""
renew_signal = "SIGHUP"
jwt_svids = [{ jwt_audience = "db", jwt_extra_audiences = ["x"], jwt_svid_file_name = "db.jwt" }]
jwt_bundle_file_name = "jwt_bundle.json"
hint = "internal"
`,
    { env: {} },
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.agentAddress, 'unix:///run/spire/agent.sock');
  assert.deepEqual(config.cmdArgs, ['-D', '/data', '-c', 'ssl=on']);
  assert.equal(config.renewSignal, 'SIGHUP');
  assert.deepEqual(config.x509, { svid: '/run/svids/svid.pem', key: '/run/svids/svid_key.pem', bundle: '/run/svids/bundle.pem' });
  assert.deepEqual(config.jwtSvids, [{ audience: 'db', extraAudiences: ['x'], file: '/run/svids/db.jwt' }]);
  assert.equal(config.jwtBundleFile, '/run/svids/jwt_bundle.json');
  assert.equal(config.hint, 'internal');
  assert.equal(config.daemonMode, true);
  assert.deepEqual(
    [config.certFileMode, config.keyFileMode, config.jwtBundleFileMode, config.jwtSvidFileMode],
    [0o644, 0o600, 0o600, 0o600],
  );
  assert.deepEqual(config.healthChecks, { listenerEnabled: false, bindPort: 8081, livenessPath: '/live', readinessPath: '/ready' });
});

test('modes are octal permission bits; a decimal-looking mode is refused', () => {
  const { config } = parseHelperConfig(`${X509}cert_file_mode = 0640\nkey_file_mode = "0400"\n`, { env: {} });
  assert.equal(config.certFileMode, 0o640);
  assert.equal(config.keyFileMode, 0o400);
  assert.throws(() => parseHelperConfig(`${X509}key_file_mode = 644\n`, { env: {} }), /key_file_mode: 644 is not a file mode/);
});

test('unknown top-level keys are errors naming the key', () => {
  assert.throws(
    () => parseHelperConfig(`${X509}agentAddress = "/x"\n`, { env: {} }),
    (err: unknown) => err instanceof UnknownKeysError && /agentAddress/.test(err.message),
  );
});

test('X.509 file names come all or none, and one output is required', () => {
  assert.throws(
    () => parseHelperConfig('svid_file_name = "a.pem"\nsvid_bundle_file_name = "b.pem"\n', { env: {} }),
    (err: unknown) => err instanceof ConfigError && err.path === 'svid_key_file_name' && /all be set or none/.test(err.message),
  );
  assert.throws(() => parseHelperConfig('cert_dir = "/x"\n', { env: {} }), /at least one output is required/);
  const jwtOnly = parseHelperConfig('jwt_bundle_file_name = "b.json"\n', { env: {} }).config;
  assert.equal(jwtOnly.x509, undefined);
});

test('jwt_svids need an audience and a file name', () => {
  assert.throws(() => parseHelperConfig('jwt_svids = [{ jwt_svid_file_name = "a" }]\n', { env: {} }), /jwt_svids\[0\]\.jwt_audience: is required/);
  assert.throws(() => parseHelperConfig('jwt_svids = [{ jwt_audience = "a" }]\n', { env: {} }), /jwt_svids\[0\]\.jwt_svid_file_name: is required \(jwt_file_name\)/);
});

test('agent address: config, then SPIFFE_ENDPOINT_SOCKET, then SPIRE_AGENT_ADDRESS, then the default', () => {
  assert.equal(resolveAgentSocket('/a.sock', { SPIFFE_ENDPOINT_SOCKET: '/b.sock' }), '/a.sock');
  assert.equal(resolveAgentSocket(undefined, { SPIFFE_ENDPOINT_SOCKET: '/b.sock' }), '/b.sock');
  assert.equal(resolveAgentSocket(undefined, { SPIRE_AGENT_ADDRESS: '/c.sock' }), '/c.sock');
  assert.equal(resolveAgentSocket(undefined, {}), DEFAULT_AGENT_SOCKET);
  assert.throws(() => resolveAgentSocket(undefined, { SPIFFE_ENDPOINT_SOCKET: '/b', SPIRE_AGENT_ADDRESS: '/c' }), /both SPIFFE_ENDPOINT_SOCKET and SPIRE_AGENT_ADDRESS/);
  // The helper prepends unix:// itself: a URI in the variable is an invalid address.
  assert.throws(() => resolveAgentSocket(undefined, { SPIFFE_ENDPOINT_SOCKET: 'unix:///b.sock' }), /from SPIFFE_ENDPOINT_SOCKET.*not a socket path/);
  assert.throws(() => resolveAgentSocket('agent.sock', {}), /agent_address: "agent.sock" must be an absolute socket path/);
});

test('daemon_mode: the flag wins; one-shot ignores cmd with a warning and refuses pid_file_name', () => {
  const oneShot = parseHelperConfig(`${X509}daemon_mode = true\ncmd = "x"\nrenew_signal = "SIGUSR1"\n`, { env: {}, daemonMode: false });
  assert.equal(oneShot.config.daemonMode, false);
  assert.equal(oneShot.config.cmd, '');
  assert.equal(oneShot.config.renewSignal, undefined);
  assert.equal(oneShot.warnings.length, 2);
  assert.throws(() => parseHelperConfig(`${X509}daemon_mode = false\npid_file_name = "/p"\nrenew_signal = "SIGHUP"\n`, { env: {} }), /pid_file_name: is not allowed/);
  assert.throws(() => parseHelperConfig(`${X509}pid_file_name = "/p"\n`, { env: {} }), /pid_file_name: requires renew_signal/);
});

test('bad values name their key', () => {
  assert.throws(() => parseHelperConfig(`${X509}renew_signal = "SIGNOPE"\n`, { env: {} }), /renew_signal: "SIGNOPE" is not a signal name/);
  assert.throws(() => parseHelperConfig(`${X509}cmd_args = "a\\"b"\n`, { env: {} }), /cmd_args: bare "/);
  assert.throws(() => parseHelperConfig(`${X509}daemon_mode = "maybe"\n`, { env: {} }), /daemon_mode: expected a boolean/);
  assert.throws(() => parseHelperConfig(`${X509}health_checks { bind_port = 70000 }\n`, { env: {} }), /health_checks\.bind_port/);
});
