/**
 * The agent runbook with real processes: `spire-server run`, then `spire-agent run -config
 * agent.conf -joinToken <token>` (SPIRE's agent.conf keys, bootstrap bundle from `bundle show`),
 * an entry for this process's uid, and `spire-agent api fetch x509 -write` getting the SVID over
 * the Workload API (the caller identified by SO_PEERCRED and the unix attestor). The agent then
 * restarts without the token and serves again from its data_dir.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TrustDomain, X509Bundle, verifyX509Svid } from '@tspire/spiffe';
import { Daemon, bins, run, tempDir, waitForSocket, type RunResult } from './lib/processes.js';
import { ServerProcess, assertOk, waitForOutput, writeServerConf } from './lib/server-fixture.js';

const TD = TrustDomain.parse('example.org');
const NODE_ID = 'spiffe://example.org/agent/local';
const WORKLOAD_ID = 'spiffe://example.org/workload/e2e';
const tmp = tempDir('tspire-e2e-agent-');
const agentSocket = join(tmp.path, 'agent.sock');
const agentConf = join(tmp.path, 'agent.conf');
let server: ServerProcess;
let agent: Daemon | undefined;

const agentCli = (...args: string[]): Promise<RunResult> => run(bins.spireAgent, [...args, '-socketPath', agentSocket], { cwd: tmp.path });

async function startAgent(...extra: string[]): Promise<Daemon> {
  const daemon = new Daemon(bins.spireAgent, ['run', '-config', agentConf, ...extra], { cwd: tmp.path });
  await waitForSocket(agentSocket, daemon);
  await waitForOutput(daemon, /Agent started/);
  return daemon;
}

/** The agent syncs every 5 s: fetch until the SVID is there (bounded). */
async function fetchUntilServed(dir: string): Promise<RunResult> {
  mkdirSync(dir, { recursive: true }); // as SPIRE's, -write does not create the directory
  const deadline = Date.now() + 30_000;
  for (;;) {
    const result = await agentCli('api', 'fetch', 'x509', '-write', dir);
    if (result.code === 0) return result;
    if (Date.now() > deadline) throw new Error(`no SVID served: ${result.stdout}${result.stderr}\n--- agent ---\n${agent?.output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  writeServerConf(tmp.path);
  server = await ServerProcess.start(tmp.path);
  writeFileSync(join(tmp.path, 'bootstrap.crt'), assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
  writeFileSync(agentConf, `agent {
    data_dir = ${JSON.stringify(join(tmp.path, 'agent-data'))}
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = "${server.tcpPort}"
    socket_path = ${JSON.stringify(agentSocket)}
    trust_bundle_path = ${JSON.stringify(join(tmp.path, 'bootstrap.crt'))}
    trust_domain = "example.org"
}

plugins {
    NodeAttestor "join_token" {
        plugin_data {}
    }
    KeyManager "disk" {
        plugin_data {
            directory = ${JSON.stringify(join(tmp.path, 'agent-data'))}
        }
    }
    WorkloadAttestor "unix" {
        plugin_data {}
    }
}
`);
});

after(async () => {
  await agent?.stop();
  await server?.stop();
  tmp.cleanup();
});

test('spire-agent validate accepts the agent.conf', async () => {
  const result = await run(bins.spireAgent, ['validate', '-config', agentConf], { cwd: tmp.path });
  assert.equal(result.stdout, 'SPIRE agent configuration file is valid.\n', result.stderr);
  assert.equal(result.code, 0);
});

test('a workload of this uid gets its X509-SVID from the agent over the Workload API', async () => {
  const generated = assertOk(await server.cli('token', 'generate', '-spiffeID', NODE_ID), 'token generate');
  const token = /^Token: (\S+)$/m.exec(generated.stdout)?.[1] ?? '';
  assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID, '-selector', `unix:uid:${process.getuid!()}`), 'entry create');
  agent = await startAgent('-joinToken', token);
  assert.ok(!agent.output.includes(token), 'the join token never appears in the agent log');

  const svids = join(tmp.path, 'svids');
  const fetched = await fetchUntilServed(svids);
  assert.match(fetched.stdout, /Writing SVID #0 to file .*svid\.0\.pem/);
  const bundle = X509Bundle.parsePem(TD, readFileSync(join(svids, 'bundle.0.pem')));
  const chain = X509Bundle.parsePem(TD, readFileSync(join(svids, 'svid.0.pem'))).x509Authorities();
  assert.equal(verifyX509Svid(chain, bundle).id.toString(), WORKLOAD_ID);
  assert.equal(statSync(join(svids, 'svid.0.key')).mode & 0o777, 0o600);

  const health = await agentCli('healthcheck');
  assert.equal(health.stdout, 'Agent is healthy.\n', health.stderr);
});

test('the agent restarts without the token and serves again from its data_dir', async () => {
  assert.deepEqual(await agent!.stop(), [0, null]);
  agent = await startAgent();
  const fetched = await fetchUntilServed(join(tmp.path, 'svids-again'));
  assert.match(fetched.stdout, /svid\.0\.pem/);
});

test('an agent with insecure_bootstrap (SPIRE sample style) attests without a bootstrap bundle', async () => {
  const dir = join(tmp.path, 'insecure');
  const socket = join(dir, 'agent.sock');
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'agent.conf');
  writeFileSync(conf, `agent {
    data_dir = ${JSON.stringify(join(dir, 'data'))}
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = "${server.tcpPort}"
    socket_path = ${JSON.stringify(socket)}
    trust_domain = "example.org"
    insecure_bootstrap = true
}
plugins {
    NodeAttestor "join_token" { plugin_data {} }
    KeyManager "memory" { plugin_data {} }
    WorkloadAttestor "unix" { plugin_data {} }
}
`);
  const generated = assertOk(await server.cli('token', 'generate', '-spiffeID', 'spiffe://example.org/agent/insecure'), 'token generate');
  const token = /^Token: (\S+)$/m.exec(generated.stdout)?.[1] ?? '';
  assertOk(await server.cli('entry', 'create', '-parentID', 'spiffe://example.org/agent/insecure', '-spiffeID', 'spiffe://example.org/workload/insecure-boot', '-selector', `unix:uid:${process.getuid!()}`), 'entry create');
  const daemon = new Daemon(bins.spireAgent, ['run', '-config', conf, '-joinToken', token], { cwd: dir });
  try {
    await waitForSocket(socket, daemon);
    await waitForOutput(daemon, /Agent started/);
    const deadline = Date.now() + 30_000;
    let result: RunResult;
    for (;;) {
      result = await run(bins.spireAgent, ['api', 'fetch', 'x509', '-socketPath', socket], { cwd: dir });
      if (result.code === 0 && result.stdout.includes('spiffe://example.org/workload/insecure-boot')) break;
      if (Date.now() > deadline) throw new Error(`no SVID: ${result.stdout}${result.stderr}\n${daemon.output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await daemon.stop();
  }
});
