/**
 * Real SPIFFE client libraries against tspire's agent (issue 8, item 1): go-spiffe v2's
 * workloadapi.Client and py-spiffe's WorkloadApiClient call FetchX509SVID, FetchX509Bundles,
 * FetchJWTSVID, FetchJWTBundles and ValidateJWTSVID on our agent (attested to our server with a
 * join token) and verify what they get with their own libraries; then a go-spiffe spiffetls mTLS
 * server and client, each holding an SVID from our agent under a different uid, talk to each other.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Daemon } from '../e2e/lib/processes.js';
import { tempDir } from '../e2e/lib/processes.js';
import { ServerProcess, assertOk, waitForOutput, writeServerConf } from '../e2e/lib/server-fixture.js';
import { AUDIENCE, runGoClient, runPyClient } from './lib/clients.js';
import { NativeDaemon, missingPeers, peerPath, pollUntil, runNative } from './lib/peers.js';
import { agentConfText, agentDirs, parseToken, startTspireAgent, tspireAgentCli, uid } from './lib/stacks.js';
import { otherUidSkipReason } from '../e2e/lib/other-uids.js';

const NODE_ID = 'spiffe://example.org/agent/interop';
const WORKLOAD_ID = 'spiffe://example.org/workload/go-and-py';
const MTLS_CLIENT_ID = 'spiffe://example.org/workload/mtls-client';
const MTLS_CLIENT_UID = 65534; // nobody: a second workload with its own SVID
const tmp = tempDir('tspire-interop-clients-');
const agentFiles = agentDirs(tmp.path, 'agent');
let server: ServerProcess | undefined;
let agent: Daemon | undefined;
let jwtKeyIds: string[] = [];

before(async () => {
  writeServerConf(tmp.path);
  server = await ServerProcess.start(tmp.path);
  writeFileSync(agentFiles.bundle, assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
  const spiffeBundle = JSON.parse(assertOk(await server.cli('bundle', 'show', '-format', 'spiffe'), 'bundle show spiffe').stdout) as {
    keys: { use: string; kid?: string }[];
  };
  jwtKeyIds = spiffeBundle.keys.filter((k) => k.use === 'jwt-svid').map((k) => k.kid ?? '').sort();
  const token = parseToken(await server.cli('token', 'generate', '-spiffeID', NODE_ID));
  assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID, '-selector', `unix:uid:${uid()}`), 'entry create');
  assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', MTLS_CLIENT_ID, '-selector', `unix:uid:${MTLS_CLIENT_UID}`), 'entry create');
  writeFileSync(agentFiles.conf, agentConfText({ ...agentFiles, serverPort: server.tcpPort, keyManager: 'disk' }));
  agent = await startTspireAgent(agentFiles.conf, agentFiles.socket, token, agentFiles.dir);
  // The agent syncs every 5 s: wait (bounded) until it serves this uid, using our own CLI.
  await pollUntil('our agent to serve the workload SVID', async () => {
    const fetched = await tspireAgentCli(agentFiles.socket, 'api', 'fetch', 'x509');
    return fetched.code === 0 && fetched.stdout.includes(WORKLOAD_ID) ? true : undefined;
  });
});

after(async () => {
  await agent?.stop();
  await server?.stop();
  tmp.cleanup();
});

describe('go-spiffe v2 workloadapi.Client against the tspire agent', { skip: missingPeers('go-spiffe:workloadclient') }, () => {
  test('fetches X.509 context, X.509 bundles, JWT-SVID and JWT bundles, and go-spiffe verifies them', async () => {
    const run = await runGoClient(agentFiles.socket, { bundlePem: agentFiles.bundle });
    assert.equal(run.code, 0, run.text);
    const report = run.report!;
    assert.deepEqual(report.errors, {});
    assert.equal(report.context_svids?.length, 1, run.text);
    const svid = report.context_svids![0]!;
    assert.equal(svid.id, WORKLOAD_ID);
    assert.equal(svid.verified_id, WORKLOAD_ID, 'x509svid.Verify against the Workload API bundle');
    assert.equal(svid.external_verified_id, WORKLOAD_ID, 'x509svid.Verify against `spire-server bundle show`');
    assert.ok(svid.has_key);
    assert.deepEqual(report.context_bundles, [{ trust_domain: 'example.org', authorities: 1 }]);
    assert.deepEqual(report.x509_bundles, [{ trust_domain: 'example.org', authorities: 1 }]);

    assert.equal(report.jwt_svid?.id, WORKLOAD_ID);
    assert.deepEqual(report.jwt_svid?.audience, [AUDIENCE]);
    assert.equal(report.jwt_svid?.local_validated_id, WORKLOAD_ID, 'jwtsvid.ParseAndValidate with the fetched JWT bundles');
    assert.equal(report.jwt_svid?.api_validated_id, WORKLOAD_ID, 'ValidateJWTSVID on the agent');
    assert.ok(jwtKeyIds.length > 0);
    assert.deepEqual(report.jwt_bundles, [{ trust_domain: 'example.org', key_ids: jwtKeyIds }]);
  });
});

describe('go-spiffe spiffetls mTLS on SVIDs from the tspire agent', { skip: missingPeers('go-spiffe:mtls') || otherUidSkipReason(MTLS_CLIENT_UID) }, () => {
  test('a server and a client of different uids authenticate each other by SPIFFE ID', async () => {
    await pollUntil('our agent to serve the mTLS client uid', async () => {
      const fetched = await runNative('setpriv', [`--reuid=${MTLS_CLIENT_UID}`, `--regid=${MTLS_CLIENT_UID}`, '--clear-groups', peerPath('go-spiffe:workloadclient'), '-socket', agentFiles.socket, '-x509-only'], {
        timeoutMs: 15_000,
      });
      return fetched.code === 0 && fetched.stdout.includes(MTLS_CLIENT_ID) ? true : undefined;
    });
    const mtls = peerPath('go-spiffe:mtls');
    const serverPeer = new NativeDaemon(mtls, ['-mode', 'server', '-socket', agentFiles.socket, '-authorize', MTLS_CLIENT_ID, '-count', '2']);
    try {
      const listening = await waitForOutput(serverPeer, /"listening":"([^"]+)"/);
      const addr = listening[1]!;
      assert.match(serverPeer.output, new RegExp(`"own_id":"${WORKLOAD_ID}"`));
      const asClient = (authorize: string) =>
        runNative('setpriv', [`--reuid=${MTLS_CLIENT_UID}`, `--regid=${MTLS_CLIENT_UID}`, '--clear-groups', mtls, '-mode', 'client', '-socket', agentFiles.socket, '-authorize', authorize, '-addr', addr]);

      const ok = await asClient(WORKLOAD_ID);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr + serverPeer.output);
      assert.deepEqual(JSON.parse(ok.stdout), { own_id: MTLS_CLIENT_ID, peer_id: WORKLOAD_ID, reply: `hello ${MTLS_CLIENT_ID}` });
      await waitForOutput(serverPeer, /"peer_id"/);
      const served = serverPeer.output.split('\n').find((l) => l.includes('"peer_id"'));
      assert.deepEqual(JSON.parse(served!), { peer_id: MTLS_CLIENT_ID, received: `ping from ${MTLS_CLIENT_ID}` });

      // The client refuses a server whose SPIFFE ID is not the one it authorizes.
      const refused = await asClient('spiffe://example.org/workload/someone-else');
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stdout, /unexpected ID|someone-else/);
    } finally {
      await serverPeer.stop();
    }
  });
});

describe('py-spiffe WorkloadApiClient against the tspire agent', { skip: missingPeers('py-spiffe') }, () => {
  test('fetches X.509 context, bundles, JWT-SVID and JWT bundles; py-spiffe validates the JWT', async () => {
    const run = await runPyClient(agentFiles.socket);
    assert.equal(run.code, 0, run.text);
    const report = run.report!;
    assert.deepEqual(report.errors, {});
    assert.deepEqual(report.x509_svids, [{ id: WORKLOAD_ID, chain_length: 1, verified: true }]);
    assert.deepEqual(report.x509_bundles, [{ trust_domain: 'example.org', authorities: 1 }]);
    assert.deepEqual(report.jwt_bundles, [{ trust_domain: 'example.org', key_ids: jwtKeyIds }]);
    assert.equal(report.jwt_svid?.id, WORKLOAD_ID);
    assert.deepEqual(report.jwt_svid?.audience, [AUDIENCE]);
    assert.equal(report.jwt_svid?.local_validated_id, WORKLOAD_ID, 'JwtSvid.parse_and_validate with the fetched JWT bundle');
    assert.equal(report.jwt_svid?.api_validated_id, WORKLOAD_ID);
    assert.equal(report.jwt_svid?.tampered_rejected, true, 'ValidateJWTSVID refuses a tampered token');
  });
});
