/**
 * x509pop node attestation against a real `spire-server run` configured with
 * `NodeAttestor "x509pop" { plugin_data { ca_bundle_path = ... } }`: @tspire/agent's responder
 * (written from the spec independently of the server's verifier) proves possession of a
 * certificate issued through an intermediate; the agent ID and selectors come out as SPIRE forms
 * them; a node-alias entry created with `entry create -node` hands the agent its workloads;
 * re-attestation works; a certificate from another CA is refused.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { createCsr, createServerClient, generateCsrKey, loadX509PopAttestor, type ServerClient } from '@tspire/agent';
import { TrustDomain, X509Bundle, encodePem, verifyX509Svid } from '@tspire/spiffe';
import { KeyUsage, createCa, createIntermediate, issue, type Issued } from '@tspire/spiffe/testing';
import { tempDir } from './lib/processes.js';
import { ServerProcess, assertOk, writeServerConf } from './lib/server-fixture.js';

const TD = TrustDomain.parse('example.org');
const HOUR = 3600_000;
const tmp = tempDir('tspire-e2e-x509pop-');
let server: ServerProcess;
let bundle: X509Bundle;
let leaf: Issued;
let intermediate: Issued;
const clients: ServerClient[] = [];

const validNow = () => ({ notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 24 * HOUR) });
const pem = (type: string, der: Uint8Array) => encodePem(type, der);

/** Writes the agent's x509pop files for `cert` (+ intermediates) and returns its attestor. */
async function attestorFor(name: string, cert: Issued, intermediates: Issued[]) {
  const dir = join(tmp.path, name);
  const paths = { certificate_path: `${dir}.crt`, private_key_path: `${dir}.key`, intermediates_path: `${dir}.chain.pem` };
  writeFileSync(paths.certificate_path, pem('CERTIFICATE', cert.der));
  writeFileSync(paths.private_key_path, cert.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(paths.intermediates_path, intermediates.map((c) => pem('CERTIFICATE', c.der)).join(''));
  return loadX509PopAttestor(paths);
}

async function attestWith(cert: Issued, intermediates: Issued[], name: string) {
  const attestor = await attestorFor(name, cert, intermediates);
  const { payload, answerChallenge } = await attestor.begin();
  const key = await generateCsrKey();
  const client = createServerClient({ serverAddress: '127.0.0.1', serverPort: server.tcpPort, trustDomain: TD, trustBundle: bundle });
  clients.push(client);
  const result = await client.attest({ type: 'x509pop', payload, csrDer: createCsr(key), ...(answerChallenge ? { onChallenge: answerChallenge } : {}) });
  return { ...result, key };
}

before(async () => {
  const root = await createCa({ subject: 'CN=node-root', ...validNow() });
  intermediate = await createIntermediate(root, { subject: 'CN=node-intermediate', ...validNow() });
  leaf = await issue(intermediate, { subject: 'CN=node-1', ca: false, keyUsage: KeyUsage.digitalSignature, ...validNow() });
  const caPath = join(tmp.path, 'node-ca.pem');
  writeFileSync(caPath, pem('CERTIFICATE', root.der));
  writeServerConf(tmp.path, { pluginsExtra: `    NodeAttestor "x509pop" {\n        plugin_data {\n            ca_bundle_path = ${JSON.stringify(caPath)}\n        }\n    }` });
  server = await ServerProcess.start(tmp.path);
  bundle = X509Bundle.parsePem(TD, assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
  tmp.cleanup();
});

const fingerprint = (der: Uint8Array) => createHash('sha1').update(der).digest('hex');

test('an agent proves possession of its x509pop certificate and gets an agent SVID', async () => {
  const result = await attestWith(leaf, [intermediate], 'node-1');
  assert.equal(result.reattestable, true);
  assert.equal(result.challenges, 1);
  const agentId = `spiffe://example.org/spire/agent/x509pop/${fingerprint(leaf.der)}`;
  assert.equal(verifyX509Svid(result.svid.certChain, bundle).id.toString(), agentId);

  const shown = assertOk(await server.cli('agent', 'show', '-spiffeID', agentId), 'agent show').stdout;
  assert.match(shown, /Attestation type\s*: x509pop/);
  assert.match(shown, /Selectors\s*: x509pop:ca:fingerprint:/);
  assert.ok(shown.includes(`x509pop:ca:fingerprint:${fingerprint(intermediate.der)}`), shown);
  assert.ok(shown.includes('x509pop:subject:cn:node-1'), shown);

  // re-attestation is allowed for x509pop and keeps the same agent ID
  const again = await attestWith(leaf, [intermediate], 'node-1-again');
  assert.equal(verifyX509Svid(again.svid.certChain, bundle).id.toString(), agentId);
});

test('a node-alias entry created with -node gives the agent its workloads', async () => {
  assertOk(await server.cli('entry', 'create', '-node', '-spiffeID', 'spiffe://example.org/nodes/cn-node-1', '-selector', 'x509pop:subject:cn:node-1'), 'entry create -node');
  assertOk(await server.cli('entry', 'create', '-parentID', 'spiffe://example.org/nodes/cn-node-1', '-spiffeID', 'spiffe://example.org/workload/db', '-selector', 'unix:uid:70'), 'entry create');
  const attested = await attestWith(leaf, [intermediate], 'node-1-alias');
  const agent = createServerClient({
    serverAddress: '127.0.0.1', serverPort: server.tcpPort, trustDomain: TD, trustBundle: bundle,
    svid: { certChainDer: attested.svid.certChain, privateKey: attested.key },
  });
  clients.push(agent);
  const deadline = Date.now() + 15_000;
  let paths: string[] = [];
  while (!paths.includes('/workload/db')) {
    if (Date.now() > deadline) throw new Error(`workload entry never authorized; got ${paths.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
    paths = (await agent.getAuthorizedEntries()).map((e) => e.spiffeId?.path ?? '');
  }
  assert.deepEqual(paths, ['/workload/db'], 'the alias entry itself is not handed out');
});

test('a certificate from another CA is refused and nothing is recorded', async () => {
  const otherRoot = await createCa({ subject: 'CN=node-root', ...validNow() });
  const stranger = await issue(otherRoot, { subject: 'CN=node-2', ca: false, keyUsage: KeyUsage.digitalSignature, ...validNow() });
  const err = await attestWith(stranger, [], 'stranger').then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ConnectError, String(err));
  assert.equal(err.code, Code.PermissionDenied, err.message);
  const listed = assertOk(await server.cli('agent', 'count'), 'agent count').stdout;
  assert.match(listed, /^1 attested agent/m);
});
