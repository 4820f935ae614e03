/**
 * tspire's agent against the real SPIRE spire-server (issue 8, item 3): a join token from the real
 * `spire-server token generate`, the bootstrap bundle from the real `bundle show`, an entry created
 * with the real CLI; our `spire-agent api fetch x509` gets the SVID, go-spiffe gets X.509 and JWT
 * SVIDs (minted by the real server through our agent), and an entry created later reaches us.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TrustDomain, X509Bundle, verifyX509Svid } from '@tspire/spiffe';
import { tempDir, type Daemon } from '../e2e/lib/processes.js';
import { assertOk } from '../e2e/lib/server-fixture.js';
import { AUDIENCE, goSvidIds, runGoClient } from './lib/clients.js';
import { missingPeers, pollUntil } from './lib/peers.js';
import { RealSpireServer, agentConfText, agentDirs, parseToken, startTspireAgent, tspireAgentCli, uid } from './lib/stacks.js';

const TD = TrustDomain.parse('example.org');
const NODE_ID = 'spiffe://example.org/agent/tspire-agent';
const WORKLOAD_ID = 'spiffe://example.org/workload/from-real-server';
const ADDED_ID = 'spiffe://example.org/workload/added-on-real-server';

describe('tspire agent attested to a real spire-server', { skip: missingPeers('spire-server') }, () => {
  const tmp = tempDir('tspire-interop-real-server-');
  const files = agentDirs(tmp.path, 'agent');
  const serverDir = join(tmp.path, 'server');
  let server: RealSpireServer | undefined;
  let agent: Daemon | undefined;
  const diagnostics = () => `\n--- tspire agent ---\n${agent?.output ?? ''}\n--- real spire-server ---\n${server?.daemon.output ?? ''}`;

  /** Our CLI's `api fetch x509 -write dir` until the SVIDs include `id` (the agent syncs every 5 s). */
  const fetchUntil = (id: string, dir: string) =>
    pollUntil(`our agent to serve ${id}`, async () => {
      mkdirSync(dir, { recursive: true });
      const r = await tspireAgentCli(files.socket, 'api', 'fetch', 'x509', '-write', dir);
      return r.code === 0 && r.stdout.includes(id) ? r : undefined;
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}${diagnostics()}`);
    });

  before(async () => {
    mkdirSync(serverDir, { recursive: true });
    server = await RealSpireServer.start(serverDir);
    writeFileSync(files.bundle, assertOk(await server.cli('bundle', 'show'), 'real bundle show').stdout);
    const token = parseToken(await server.cli('token', 'generate', '-spiffeID', NODE_ID));
    assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID, '-selector', `unix:uid:${uid()}`), 'real entry create');
    writeFileSync(files.conf, agentConfText({ ...files, serverPort: server.port, keyManager: 'disk' }));
    try {
      agent = await startTspireAgent(files.conf, files.socket, token, files.dir);
    } catch (err) {
      throw new Error(`${String(err)}${diagnostics()}`);
    }
  });

  after(async () => {
    await agent?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  test('the real server lists our agent as attested with join_token', async () => {
    const listed = assertOk(await server!.cli('agent', 'list', '-output', 'json'), 'real agent list');
    const agents = (JSON.parse(listed.stdout) as { agents: { id: { path: string }; attestation_type: string }[] }).agents;
    assert.equal(agents.length, 1, listed.stdout);
    assert.equal(agents[0]!.attestation_type, 'join_token');
    assert.match(agents[0]!.id.path, /^\/spire\/agent\/join_token\//);
  });

  test('our `spire-agent api fetch x509` gets the SVID of the entry created with the real CLI', async () => {
    const out = join(tmp.path, 'svids');
    await fetchUntil(WORKLOAD_ID, out);
    const bundle = X509Bundle.parsePem(TD, readFileSync(files.bundle));
    const chain = X509Bundle.parsePem(TD, readFileSync(join(out, 'svid.0.pem'))).x509Authorities();
    assert.equal(verifyX509Svid(chain, bundle).id.toString(), WORKLOAD_ID, 'verifies against the real `bundle show`');
  });

  test('go-spiffe on our agent gets X.509 and JWT SVIDs signed by the real server', { skip: missingPeers('go-spiffe:workloadclient') }, async () => {
    const run = await runGoClient(files.socket, { bundlePem: files.bundle });
    assert.equal(run.code, 0, run.text + diagnostics());
    assert.deepEqual(goSvidIds(run), [WORKLOAD_ID]);
    assert.equal(run.report!.context_svids![0]!.external_verified_id, WORKLOAD_ID);
    assert.equal(run.report!.jwt_svid?.id, WORKLOAD_ID);
    assert.deepEqual(run.report!.jwt_svid?.audience, [AUDIENCE]);
    assert.equal(run.report!.jwt_svid?.local_validated_id, WORKLOAD_ID);
    assert.equal(run.report!.jwt_svid?.api_validated_id, WORKLOAD_ID);
    const spiffeBundle = JSON.parse(assertOk(await server!.cli('bundle', 'show', '-format', 'spiffe'), 'real bundle show').stdout) as {
      keys: { use: string; kid?: string }[];
    };
    const kids = spiffeBundle.keys.filter((k) => k.use === 'jwt-svid').map((k) => k.kid ?? '').sort();
    assert.deepEqual(run.report!.jwt_bundles, [{ trust_domain: 'example.org', key_ids: kids }]);
  });

  test('an entry created later with the real CLI reaches our workload', async () => {
    assertOk(await server!.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', ADDED_ID, '-selector', `unix:uid:${uid()}`), 'real entry create');
    const fetched = await fetchUntil(ADDED_ID, join(tmp.path, 'svids-added'));
    assert.match(fetched.stdout, /^Received 2 svids after /);
  });
});
