import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRepeatedKey, loadConfigText, parseHcl, positionOf, type PlainObject } from './index.js';

const serverConf = `# SPIRE server configuration
server {
    bind_address = "0.0.0.0"
    bind_port = "8081"
    socket_path = "/tmp/spire-server/private/api.sock"
    trust_domain = "example.org"
    data_dir = "./.data"
    log_level = "DEBUG"
    ca_key_type = "rsa-2048"
    ca_ttl = "168h"
    admin_ids = ["spiffe://example.org/admin", "spiffe://example.org/ops",]

    ca_subject {
        country = ["US"]
        organization = ["SPIFFE"]
        common_name = ""
    }

    /* federation with two domains */
    federation {
        bundle_endpoint {
            address = "0.0.0.0"
            port = 8443
            refresh_hint = "10m"
            profile "https_spiffe" {}
        }
        federates_with "domain1.test" {
            bundle_endpoint_url = "https://1.2.3.4:8443"
            bundle_endpoint_profile "https_spiffe" {
                endpoint_spiffe_id = "spiffe://domain1.test/spire/server"
            }
        }
        federates_with "domain2.test" {
            bundle_endpoint_url = "https://5.6.7.8:8443"
            bundle_endpoint_profile "https_web" {}
        }
    }
}

plugins {
    DataStore "sql" {
        plugin_data {
            database_type = "sqlite3"
            connection_string = "./.data/datastore.sqlite3"
            max_open_conns = 100
        }
    }

    KeyManager "disk" {
        plugin_data = {
            keys_path = "./.data/keys.json"
        }
    }

    NodeAttestor "join_token" {
        plugin_data {}
    }

    UpstreamAuthority "disk" {
        plugin_data {
            key_file_path = "./conf/server/dummy_upstream_ca.key"
            cert_file_path = "./conf/server/dummy_upstream_ca.crt"
        }
    }
}

health_checks {
    listener_enabled = true
    bind_address = "localhost"
    bind_port = "8080"
    live_path = "/live"
    ready_path = "/ready"
}

telemetry {
    Prometheus {
        host = "localhost"
        port = 9988
    }
    DogStatsd = [
        { address = "localhost:8125" },
        { address = "collector.example.org:1337" },
    ]
    EnableTrustDomainLabel = false
}
`;

test('server.conf: blocks, labelled blocks and lists become plain objects', () => {
  const cfg = loadConfigText(serverConf, { filename: 'server.conf' });
  const server = cfg['server'] as PlainObject;
  assert.equal(server['bind_port'], '8081');
  assert.equal(server['trust_domain'], 'example.org');
  assert.deepEqual(server['admin_ids'], ['spiffe://example.org/admin', 'spiffe://example.org/ops']);
  assert.deepEqual(server['ca_subject'], { country: ['US'], organization: ['SPIFFE'], common_name: '' });
  const federation = server['federation'] as PlainObject;
  assert.deepEqual((federation['bundle_endpoint'] as PlainObject)['profile'], { https_spiffe: {} });
  assert.deepEqual(federation['federates_with'], [
    {
      'domain1.test': {
        bundle_endpoint_url: 'https://1.2.3.4:8443',
        bundle_endpoint_profile: { https_spiffe: { endpoint_spiffe_id: 'spiffe://domain1.test/spire/server' } },
      },
    },
    { 'domain2.test': { bundle_endpoint_url: 'https://5.6.7.8:8443', bundle_endpoint_profile: { https_web: {} } } },
  ]);
  assert.deepEqual(cfg['plugins'], {
    DataStore: { sql: { plugin_data: { database_type: 'sqlite3', connection_string: './.data/datastore.sqlite3', max_open_conns: 100 } } },
    KeyManager: { disk: { plugin_data: { keys_path: './.data/keys.json' } } },
    NodeAttestor: { join_token: { plugin_data: {} } },
    UpstreamAuthority: {
      disk: { plugin_data: { key_file_path: './conf/server/dummy_upstream_ca.key', cert_file_path: './conf/server/dummy_upstream_ca.crt' } },
    },
  });
  assert.equal((cfg['health_checks'] as PlainObject)['listener_enabled'], true);
  const telemetry = cfg['telemetry'] as PlainObject;
  assert.deepEqual(telemetry['Prometheus'], { host: 'localhost', port: 9988 });
  assert.deepEqual(telemetry['DogStatsd'], [{ address: 'localhost:8125' }, { address: 'collector.example.org:1337' }]);
});

test('server.conf: positions of keys, labels and list elements are kept', () => {
  const cfg = loadConfigText(serverConf, { filename: 'server.conf' });
  const server = cfg['server'] as PlainObject;
  assert.deepEqual(positionOf(cfg, 'server'), { line: 2, column: 1, filename: 'server.conf' });
  assert.deepEqual(positionOf(server, 'bind_port'), { line: 4, column: 5, filename: 'server.conf' });
  const fedWith = (server['federation'] as PlainObject)['federates_with'] as PlainObject[];
  assert.equal(positionOf(fedWith, 1)?.line, 33);
  assert.equal(positionOf(fedWith[1] as PlainObject, 'domain2.test')?.column, 24);
  assert.equal(positionOf(server['admin_ids'] as string[], 1)?.column, 48);
});

test('repeated keys keep every occurrence in order', () => {
  const cfg = loadConfigText(`
plugins {
  KeyManager "disk" { plugin_data { directory = "./data" } }
  KeyManager "memory" {}
  NodeAttestor "x509pop" {}
  NodeAttestor "join_token" {}
  NodeAttestor "join_token" { enabled = false }
}
a = 1
a = [2, 3]
b = [1]
`);
  const plugins = cfg['plugins'] as PlainObject;
  assert.deepEqual(plugins['KeyManager'], [{ disk: { plugin_data: { directory: './data' } } }, { memory: {} }]);
  assert.deepEqual(plugins['NodeAttestor'], [{ x509pop: {} }, { join_token: {} }, { join_token: { enabled: false } }]);
  assert.deepEqual(cfg['a'], [1, [2, 3]]);
  assert.equal(isRepeatedKey(cfg, 'a'), true);
  assert.equal(isRepeatedKey(cfg, 'b'), false);
  assert.equal(positionOf(plugins['NodeAttestor'] as object, 2)?.line, 7);
});

test('agent.conf with a join token, heredoc and quoted keys', () => {
  const cfg = loadConfigText(`agent {
  data_dir = "./.data"
  log_level = "DEBUG"
  server_address = "127.0.0.1"
  server_port = 8081
  socket_path ="/tmp/spire-agent/public/api.sock"
  trust_bundle_path = "./conf/agent/dummy_root_ca.crt"
  trust_domain = "example.org"
  join_token = "\${JOIN_TOKEN}"
  experimental { sync_interval = "5s" }
}
plugins {
  NodeAttestor "join_token" { plugin_data {} }
  KeyManager "disk" { plugin_data { directory = "./.data" } }
  WorkloadAttestor "unix" {
    plugin_data {
      discover_workload_path = true
    }
  }
  WorkloadAttestor "k8s" {
    plugin_data {
      "skip_kubelet_verification" = true
      kubelet_ca_path = <<EOF
/run/ca.crt
EOF
    }
  }
}
`);
  const agent = cfg['agent'] as PlainObject;
  assert.equal(agent['server_port'], 8081);
  assert.equal(agent['join_token'], '${JOIN_TOKEN}');
  assert.deepEqual(agent['experimental'], { sync_interval: '5s' });
  const attestors = (cfg['plugins'] as PlainObject)['WorkloadAttestor'];
  assert.deepEqual(attestors, [
    { unix: { plugin_data: { discover_workload_path: true } } },
    { k8s: { plugin_data: { skip_kubelet_verification: true, kubelet_ca_path: '/run/ca.crt\n' } } },
  ]);
});

test('spiffe-helper helper.conf with a list of objects', () => {
  const cfg = loadConfigText(`
agent_address = "/tmp/spire-agent/public/api.sock"
cmd = "ghostunnel"
cmd_args = "server --listen localhost:8002 --target localhost:8001 --keystore certs/svid_key.pem"
cert_dir = "certs"
renew_signal = "SIGUSR1"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
cert_file_mode = 0444
jwt_svids = [{ jwt_audience = "a", jwt_svid_file_name = "b" }, {jwt_audience="c" jwt_extra_audiences=["d","e"] jwt_svid_file_name="f"}]
daemon_mode = false
`);
  assert.equal(cfg['cert_file_mode'], 0o444);
  assert.equal(cfg['daemon_mode'], false);
  assert.deepEqual(cfg['jwt_svids'], [
    { jwt_audience: 'a', jwt_svid_file_name: 'b' },
    { jwt_audience: 'c', jwt_extra_audiences: ['d', 'e'], jwt_svid_file_name: 'f' },
  ]);
});

test('JSON configs parse to the same shape, by extension or leading brace', () => {
  const json = `{
  "server": { "bind_port": 8081, "trust_domain": "example.org", "admin_ids": ["a", "b"], "x": null },
  "plugins": { "DataStore": { "sql": { "plugin_data": { "database_type": "sqlite3" } } },
               "NodeAttestor": [ { "join_token": {} }, { "x509pop": { "plugin_data": { "mode": "spiffe" } } } ] }
}`;
  const cfg = loadConfigText(json);
  assert.deepEqual(cfg, {
    server: { bind_port: 8081, trust_domain: 'example.org', admin_ids: ['a', 'b'], x: null },
    plugins: {
      DataStore: { sql: { plugin_data: { database_type: 'sqlite3' } } },
      NodeAttestor: [{ join_token: {} }, { x509pop: { plugin_data: { mode: 'spiffe' } } }],
    },
  });
  assert.equal(positionOf(cfg['server'] as object, 'trust_domain')?.column, 34);
  assert.deepEqual(loadConfigText('\n  {"a": 1}', { filename: 'server.json' }), { a: 1 });
  // A .json name forces JSON even without a leading brace, so HCL syntax is rejected there.
  assert.throws(() => loadConfigText('a = 1', { filename: 'x.JSON' }), /x\.JSON:1:1: expected '\{' to start the JSON config/);
});

test('objects can be written with = { } and items separated by commas or nothing', () => {
  const cfg = loadConfigText('server = { a = 1, b = 2 c = "x", }, top = true');
  assert.deepEqual(cfg, { server: { a: 1, b: 2, c: 'x' }, top: true });
  const ast = parseHcl('k = { x = 1 }');
  assert.equal(ast.items[0]?.assigned, true);
});

test('a key named __proto__ is plain data, not a prototype change', () => {
  const cfg = loadConfigText('__proto__ { polluted = true }');
  assert.equal(Object.getPrototypeOf(cfg), Object.prototype);
  assert.deepEqual(Object.keys(cfg), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});
