/**
 * The real SPIRE spire-agent against tspire's server (issue 8, item 2): it attests with a join
 * token from our `spire-server token generate`, bootstraps from our `bundle show`, syncs, and
 * serves SVIDs that go-spiffe verifies against our bundle; entries created and deleted on our
 * server afterwards reach it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../e2e/lib/processes.js';
import { ServerProcess, assertOk, writeServerConf } from '../e2e/lib/server-fixture.js';
import { AUDIENCE, goSvidIds, runGoClient, runPyClient } from './lib/clients.js';
import { missingPeers, pollUntil, type NativeDaemon } from './lib/peers.js';
import { agentConfText, agentDirs, parseToken, startRealAgent, uid } from './lib/stacks.js';

const NODE_ID = 'spiffe://example.org/agent/real-spire-agent';
const WORKLOAD_ID = 'spiffe://example.org/workload/served-by-real-agent';
const ADDED_ID = 'spiffe://example.org/workload/added-later';
const skip = missingPeers('spire-agent', 'go-spiffe:workloadclient');

describe('real spire-agent attested to the tspire server', { skip }, () => {
  const tmp = tempDir('tspire-interop-real-agent-');
  const files = agentDirs(tmp.path, 'agent');
  let server: ServerProcess | undefined;
  let agent: NativeDaemon | undefined;
  const diagnostics = () => `\n--- real spire-agent ---\n${agent?.output ?? ''}\n--- tspire server ---\n${server?.daemon.output ?? ''}`;

  before(async () => {
    writeServerConf(tmp.path);
    server = await ServerProcess.start(tmp.path);
    writeFileSync(files.bundle, assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
    const token = parseToken(await server.cli('token', 'generate', '-spiffeID', NODE_ID));
    assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID, '-selector', `unix:uid:${uid()}`), 'entry create');
    writeFileSync(files.conf, agentConfText({ ...files, serverPort: server.tcpPort, keyManager: 'memory' }));
    try {
      agent = await startRealAgent(files.conf, files.socket, token, files.dir);
    } catch (err) {
      throw new Error(`${String(err)}${diagnostics()}`);
    }
  });

  after(async () => {
    await agent?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  test('our server lists the real agent as attested with join_token', async () => {
    const listed = assertOk(await server!.cli('agent', 'list', '-output', 'json'), 'agent list');
    const agents = (JSON.parse(listed.stdout) as { agents: { id: { path: string }; attestation_type: string }[] }).agents;
    assert.equal(agents.length, 1, listed.stdout);
    assert.equal(agents[0]!.attestation_type, 'join_token');
    assert.match(agents[0]!.id.path, /^\/spire\/agent\/join_token\//);
  });

  test('go-spiffe gets X.509 and JWT SVIDs from the real agent and verifies them against our bundle', async () => {
    const run = await pollUntil('the real agent to serve the workload', async () => {
      const r = await runGoClient(files.socket, { bundlePem: files.bundle });
      return r.code === 0 ? r : undefined;
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}${diagnostics()}`);
    });
    const report = run.report!;
    assert.deepEqual(goSvidIds(run), [WORKLOAD_ID]);
    const svid = report.context_svids![0]!;
    assert.equal(svid.verified_id, WORKLOAD_ID);
    assert.equal(svid.external_verified_id, WORKLOAD_ID, 'verifies against `spire-server bundle show` of our server');
    assert.deepEqual(report.x509_bundles, [{ trust_domain: 'example.org', authorities: 1 }]);
    assert.equal(report.jwt_svid?.id, WORKLOAD_ID);
    assert.deepEqual(report.jwt_svid?.audience, [AUDIENCE]);
    assert.equal(report.jwt_svid?.local_validated_id, WORKLOAD_ID);
    assert.equal(report.jwt_svid?.api_validated_id, WORKLOAD_ID);
  });

  // Baseline for workload-clients.test.ts: the same py-spiffe script against SPIRE's own agent.
  test('py-spiffe gets and validates the same SVIDs from the real agent', { skip: missingPeers('py-spiffe') }, async () => {
    const run = await runPyClient(files.socket);
    assert.equal(run.code, 0, run.text);
    assert.deepEqual(run.report!.x509_svids, [{ id: WORKLOAD_ID, chain_length: 1, verified: true }]);
    assert.equal(run.report!.jwt_svid?.local_validated_id, WORKLOAD_ID);
    assert.equal(run.report!.jwt_svid?.api_validated_id, WORKLOAD_ID);
    assert.equal(run.report!.jwt_svid?.tampered_rejected, true);
  });

  test('an entry created on our server reaches the real agent, and its deletion too', async () => {
    const created = assertOk(
      await server!.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', ADDED_ID, '-selector', `unix:uid:${uid()}`, '-output', 'json'),
      'entry create',
    );
    const entryId = (JSON.parse(created.stdout) as { results: { entry: { id: string } }[] }).results[0]!.entry.id;
    const added = await pollUntil('the new entry on the real agent', async () => {
      const r = await runGoClient(files.socket, { x509Only: true, bundlePem: files.bundle });
      return goSvidIds(r).includes(ADDED_ID) ? r : undefined;
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}${diagnostics()}`);
    });
    assert.equal(added.code, 0, added.text);
    assert.deepEqual(goSvidIds(added), [ADDED_ID, WORKLOAD_ID].sort());
    const newSvid = added.report!.context_svids!.find((s) => s.id === ADDED_ID)!;
    assert.equal(newSvid.external_verified_id, ADDED_ID);

    assertOk(await server!.cli('entry', 'delete', '-entryID', entryId), 'entry delete');
    await pollUntil('the deleted entry to leave the real agent', async () => {
      const r = await runGoClient(files.socket, { x509Only: true });
      const ids = goSvidIds(r);
      return ids.length === 1 && ids[0] === WORKLOAD_ID ? true : undefined;
    });
  });
});
