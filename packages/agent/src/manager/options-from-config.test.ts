import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentConfig } from '../config/load.js';
import { agentManagerOptionsFromConfig } from './options-from-config.js';

const connect = () => {
  throw new Error('not called');
};

function config(plugins: string, extra = ''): ReturnType<typeof parseAgentConfig>['config'] {
  const text = `agent {
  server_address = "spire-server"
  server_port = 8081
  trust_domain = "example.org"
  data_dir = "/var/lib/agent"
  insecure_bootstrap = true
  join_token = "secret-token"
  x509_svid_cache_max_size = 7
  workload_x509_svid_key_type = "ec-p384"
  ${extra}
}
plugins {
  ${plugins}
  WorkloadAttestor "unix" { plugin_data {} }
}
`;
  return parseAgentConfig(text, { cwd: '/', readFile: () => '' }).config;
}

describe('agentManagerOptionsFromConfig', () => {
  it('maps agent.conf onto the manager options', async () => {
    const options = await agentManagerOptionsFromConfig(
      config('NodeAttestor "join_token" { plugin_data {} }\n  KeyManager "memory" { plugin_data {} }', 'experimental { sync_interval = "7s" }'),
      connect,
    );
    assert.equal(options.trustDomain.name, 'example.org');
    assert.equal(options.dataDir, '/var/lib/agent');
    assert.deepEqual(options.trustBundle, { kind: 'insecure' });
    assert.equal(options.joinToken, 'secret-token');
    assert.equal(options.nodeAttestor, undefined);
    assert.equal(options.syncIntervalMs, 7_000);
    assert.equal(options.x509SvidCacheMaxSize, 7);
    assert.equal(options.workloadKeyType, 'ec-p384');
    assert.equal(await options.keyManager.load('agent-svid-A'), undefined);
  });

  it('loads the x509pop attestor (bad files fail at start-up)', async () => {
    const cfg = config('NodeAttestor "x509pop" { plugin_data { private_key_path = "/k.pem" certificate_path = "/c.pem" } }\n  KeyManager "disk" { plugin_data { directory = "/keys" } }');
    await assert.rejects(
      agentManagerOptionsFromConfig(cfg, connect, {}, { readFile: async (path) => { throw new Error(`ENOENT ${path}`); } }),
      /x509pop|ENOENT|\/k\.pem|\/c\.pem/,
    );
  });
});
