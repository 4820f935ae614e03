import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, HclError, UnknownKeysError } from '@tspire/common';
import { parseAgentConfig } from './load.js';

const AGENT = 'agent { trust_domain = "example.org" server_address = "spire" server_port = 8081 trust_bundle_path = "/b.pem" }\n';
const NODE = 'NodeAttestor "join_token" {}';
const KEYMANAGER = 'KeyManager "memory" {}';
const UNIX = 'WorkloadAttestor "unix" {}';

function parse(pluginsBody: string, files: Record<string, string> = {}) {
  return parseAgentConfig(`${AGENT}plugins {\n${pluginsBody}\n}\n`, {
    filename: 'agent.conf',
    cwd: '/w',
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  });
}

function failure(pluginsBody: string, files: Record<string, string> = {}): Error {
  try {
    parse(pluginsBody, files);
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail('expected an error');
}

test('cardinality: exactly one NodeAttestor and KeyManager, at least one WorkloadAttestor', () => {
  assert.equal(failure(`${KEYMANAGER}\n${UNIX}`).message, 'plugins.NodeAttestor: exactly one NodeAttestor plugin must be configured, found none');
  assert.equal(failure(`${NODE}\nNodeAttestor "x509pop" { plugin_data { private_key_path = "k" certificate_path = "c" } }\n${KEYMANAGER}\n${UNIX}`).message,
    'plugins.NodeAttestor: exactly one NodeAttestor plugin must be configured, found 2: "join_token", "x509pop" (at agent.conf:4:14)');
  assert.equal(failure(`${NODE}\n${UNIX}`).message, 'plugins.KeyManager: exactly one KeyManager plugin must be configured, found none');
  assert.match(failure(`${NODE}\n${KEYMANAGER}\nKeyManager "disk" { plugin_data { directory = "d" } }\n${UNIX}`).message,
    /^plugins\.KeyManager: exactly one KeyManager plugin must be configured, found 2: "memory", "disk"/);
  assert.equal(failure(`${NODE}\n${KEYMANAGER}`).message, 'plugins.WorkloadAttestor: at least one WorkloadAttestor plugin must be configured (supported: unix, docker)');
  assert.equal(failure(`${NODE}\n${KEYMANAGER}\n${UNIX}\n${UNIX}`).message, 'plugins.WorkloadAttestor.unix: WorkloadAttestor "unix" is configured more than once (at agent.conf:6:18)');
  // Disabled plugins do not count.
  const { config } = parse(`${NODE}\n${KEYMANAGER}\nKeyManager "disk" { enabled = false }\n${UNIX}\nWorkloadAttestor "docker" { enabled = false }`);
  assert.deepEqual(config.plugins.keyManager, { name: 'memory' });
  assert.deepEqual(config.plugins.workloadAttestors.map((w) => w.name), ['unix']);
});

test('unknown plugin names list the supported ones; unknown and unsupported types are refused', () => {
  const base = `${NODE}\n${KEYMANAGER}\n${UNIX}`;
  assert.equal(failure(`${KEYMANAGER}\n${UNIX}\nNodeAttestor "k8s_psat" { plugin_data { cluster = "c" } }`).message,
    'plugins.NodeAttestor.k8s_psat: NodeAttestor plugin "k8s_psat" is not supported by tspire (supported: join_token, x509pop) (at agent.conf:5:14)');
  assert.match(failure(`${base}\nWorkloadAttestor "k8s" { plugin_data { skip_kubelet_verification = true } }`).message,
    /^plugins\.WorkloadAttestor\.k8s: WorkloadAttestor plugin "k8s" is not supported by tspire \(supported: unix, docker\)/);
  assert.match(failure(`${NODE}\nKeyManager "tpm" {}\n${UNIX}`).message, /^plugins\.KeyManager\.tpm: KeyManager plugin "tpm" is not supported by tspire \(supported: disk, memory\)/);
  assert.match(failure(`${base}\nSVIDStore "aws_secretsmanager" { plugin_data { region = "x" } }`).message,
    /^plugins\.SVIDStore\.aws_secretsmanager: plugin type SVIDStore "aws_secretsmanager" is not supported by tspire/);
  assert.equal(failure(`${base}\nDataStore "sql" {}`).message,
    'plugins.DataStore: unknown plugin type "DataStore" (agent plugin types: NodeAttestor, KeyManager, WorkloadAttestor, SVIDStore) (at agent.conf:6:11)');
  const { warnings } = parse(`${base}\nWorkloadAttestor "systemd" { enabled = false }\nSVIDStore "gcp" { enabled = false }`);
  assert.deepEqual(warnings, [
    'plugins.WorkloadAttestor.systemd: WorkloadAttestor plugin "systemd" is not supported by tspire (supported: unix, docker); it is disabled (enabled = false), ignored',
    'plugins.SVIDStore.gcp: plugin type SVIDStore "gcp" is not supported by tspire; it is disabled (enabled = false), ignored',
  ]);
});

test('external plugins are refused; plugin_args is ignored with a warning', () => {
  for (const key of ['plugin_cmd = "/usr/libexec/spire/plugins/tpm"', 'plugin_checksum = "abc"']) {
    assert.match(failure(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "unix" { ${key} }`).message,
      /^plugins\.WorkloadAttestor\.unix: external plugins are not supported by tspire/);
  }
  assert.deepEqual(parse(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "unix" { plugin_args = ["-v"] }`).warnings,
    ['plugins.WorkloadAttestor.unix.plugin_args: only used by external plugins, ignored']);
});

test('both plugin_data forms, plugin_data_file, and unknown plugin_data keys', () => {
  const blockForm = parse(`${NODE}\nKeyManager "disk" { plugin_data { directory = "./.data" } }\n${UNIX}`).config;
  const assignForm = parse(`${NODE}\nKeyManager "disk" { plugin_data = { directory = "./.data" } }\n${UNIX}`).config;
  assert.deepEqual(blockForm.plugins.keyManager, { name: 'disk', directory: '/w/.data' });
  assert.deepEqual(assignForm.plugins.keyManager, blockForm.plugins.keyManager);

  const files = { '/w/conf/km.conf': 'directory = "/var/lib/spire-agent"\n', '/w/conf/bad.conf': 'directory = \n' };
  const fromFile = parse(`${NODE}\nKeyManager "disk" { plugin_data_file = "conf/km.conf" }\n${UNIX}`, files).config;
  assert.deepEqual(fromFile.plugins.keyManager, { name: 'disk', directory: '/var/lib/spire-agent' });
  assert.throws(() => parse(`${NODE}\nKeyManager "disk" { plugin_data_file = "conf/bad.conf" }\n${UNIX}`, files), (err: unknown) =>
    err instanceof HclError && err.filename === '/w/conf/bad.conf' && err.line === 2);
  assert.match(failure(`${NODE}\nKeyManager "disk" { plugin_data_file = "none.conf" }\n${UNIX}`).message,
    /^plugins\.KeyManager\.disk\.plugin_data_file: cannot read "\/w\/none\.conf": ENOENT/);
  assert.match(failure(`${NODE}\nKeyManager "disk" { plugin_data_file = "a" plugin_data {} }\n${UNIX}`).message, /plugin_data and plugin_data_file are mutually exclusive/);
  assert.match(failure(`${NODE}\nKeyManager "disk" { plugin_data {} }\n${UNIX}`).message, /^plugins\.KeyManager\.disk\.plugin_data\.directory: must be configured$/);
  assert.match(failure(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "unix" { plugin_data = "x" }`).message, /^plugins\.WorkloadAttestor\.unix\.plugin_data: expected a block/);

  const unknown = failure(`NodeAttestor "join_token" { plugin_data { token = "x" } }\nKeyManager "disk" { plugin_data { keys_path = "k" } }\nWorkloadAttestor "docker" { plugin_data { socket = "x" } }`);
  assert.ok(unknown instanceof UnknownKeysError);
  assert.equal(unknown.message, 'unknown configuration detected: plugins.NodeAttestor.join_token.plugin_data.token, ' +
    'plugins.KeyManager.disk.plugin_data.keys_path, plugins.WorkloadAttestor.docker.plugin_data.socket');
});

test('x509pop: key and certificate required, paths resolved; spiffe_endpoint_socket refused', () => {
  const attestor = (data: string) => parse(`NodeAttestor "x509pop" { plugin_data { ${data} } }\n${KEYMANAGER}\n${UNIX}`).config.plugins.nodeAttestor;
  assert.deepEqual(attestor('private_key_path = "conf/agent.key" certificate_path = "/etc/agent.crt"'),
    { name: 'x509pop', privateKeyPath: '/w/conf/agent.key', certificatePath: '/etc/agent.crt' });
  assert.deepEqual(attestor('private_key_path = "k" certificate_path = "c" intermediates_path = "i.pem"'),
    { name: 'x509pop', privateKeyPath: '/w/k', certificatePath: '/w/c', intermediatesPath: '/w/i.pem' });
  const bad = (data: string) => {
    const err = failure(`NodeAttestor "x509pop" { plugin_data { ${data} } }\n${KEYMANAGER}\n${UNIX}`);
    assert.ok(err instanceof ConfigError);
    return err.message;
  };
  assert.equal(bad('certificate_path = "c"'), 'plugins.NodeAttestor.x509pop.plugin_data.private_key_path: must be configured');
  assert.equal(bad('private_key_path = "k"'), 'plugins.NodeAttestor.x509pop.plugin_data.certificate_path: must be configured');
  assert.match(bad('spiffe_endpoint_socket = "/run/spire/sockets/other.sock"'),
    /^plugins\.NodeAttestor\.x509pop\.plugin_data\.spiffe_endpoint_socket: getting the x509pop certificate from a Workload API is not supported by tspire; use private_key_path and certificate_path \(at agent\.conf:3:40\)$/);
});

test('unix workload attestor settings', () => {
  const unix = (data: string) => parse(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "unix" { plugin_data { ${data} } }`).config.plugins.workloadAttestors[0];
  assert.deepEqual(unix(''), { name: 'unix', discoverWorkloadPath: false, workloadSizeLimit: 0 });
  assert.deepEqual(unix('discover_workload_path = true workload_size_limit = 1048576'), { name: 'unix', discoverWorkloadPath: true, workloadSizeLimit: 1048576 });
  assert.deepEqual(unix('workload_size_limit = -1'), { name: 'unix', discoverWorkloadPath: false, workloadSizeLimit: -1 });
  assert.match(failure(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "unix" { plugin_data { discover_workload_path = "sometimes" } }`).message,
    /^plugins\.WorkloadAttestor\.unix\.plugin_data\.discover_workload_path: expected a boolean, got "sometimes" \(at agent\.conf:5:41\)$/);
});

test('docker workload attestor: unix:// socket, version, ignored SPIRE settings warn', () => {
  const docker = (data: string) => parse(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "docker" { plugin_data { ${data} } }`);
  assert.deepEqual(docker('').config.plugins.workloadAttestors, [{ name: 'docker', dockerSocketPath: '/var/run/docker.sock' }]);
  assert.deepEqual(docker('docker_socket_path = "unix:///run/user/1000/docker.sock" docker_version = "1.41"').config.plugins.workloadAttestors,
    [{ name: 'docker', dockerSocketPath: '/run/user/1000/docker.sock', dockerVersion: '1.41' }]);
  const { warnings } = docker(`use_new_container_locator = false
    container_id_cgroup_matchers = ["/docker/<id>"]
    verbose_container_locator_logs = true
    podman_socket_path = "unix:///run/podman/podman.sock"
    sigstore { allowed_identities = {} }`);
  const path = 'plugins.WorkloadAttestor.docker.plugin_data';
  assert.deepEqual(warnings, [
    `${path}.use_new_container_locator: tspire finds the container from /proc/<pid>/cgroup (cgroup v1 and v2); false is ignored`,
    `${path}.container_id_cgroup_matchers: tspire finds the container from /proc/<pid>/cgroup (cgroup v1 and v2); ignored`,
    `${path}.verbose_container_locator_logs: not supported by tspire, ignored`,
    `${path}.podman_socket_path: Podman is not supported by tspire, ignored`,
    `${path}.sigstore: image signature verification is not supported by tspire, ignored`,
  ]);
  const bad = (data: string) => failure(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "docker" { plugin_data { ${data} } }`).message;
  assert.match(bad('docker_socket_path = "tcp://10.0.0.1:2375"'),
    /^plugins\.WorkloadAttestor\.docker\.plugin_data\.docker_socket_path: only unix:\/\/ Docker Engine sockets are supported by tspire, got "tcp:\/\/10\.0\.0\.1:2375" \(at agent\.conf:5:43\)$/);
  assert.match(bad('docker_socket_path = "/var/run/docker.sock"'), /docker_socket_path: expected a unix:\/\/ URL such as "unix:\/\/\/var\/run\/docker\.sock", got "\/var\/run\/docker\.sock"/);
});

test('unix and docker together, in the order written', () => {
  const { config } = parse(`${NODE}\n${KEYMANAGER}\nWorkloadAttestor "docker" {}\n${UNIX}`);
  assert.deepEqual(config.plugins.workloadAttestors.map((w) => w.name), ['docker', 'unix']);
});
