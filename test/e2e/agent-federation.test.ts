/**
 * Federated bundles and bootstrap from a URL, with real processes:
 * - `spire-server bundle set -id spiffe://other.org` plus an entry `-federatesWith
 *   spiffe://other.org`: `spire-agent api fetch x509 -write DIR` writes federated_bundle.0.0.pem
 *   with the other.org root; updating the entry without -federatesWith, or `bundle delete -mode
 *   dissociate`, makes it disappear on a later fetch.
 * - A second agent bootstraps from `trust_bundle_url` (SPIFFE bundle JSON, trust_bundle_format
 *   "spiffe") served over HTTPS by this test, its CA given to the agent through
 *   NODE_EXTRA_CA_CERTS; plain http:// is refused naming the key.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { SpiffeBundle, TrustDomain, X509Bundle, encodePem } from '@tspire/spiffe';
import { createCa, createLeaf, type Issued } from '@tspire/spiffe/testing';
import { AgentFixture, NODE_ID } from './lib/agent-fixture.js';
import { Daemon, bins, run, waitForSocket, type RunResult } from './lib/processes.js';
import { assertOk, waitForOutput } from './lib/server-fixture.js';
import { pollUntil } from './lib/workload-clients.js';

const OTHER = TrustDomain.parse('other.org');
const WORKLOAD_ID = 'spiffe://example.org/workload/federated';
const SELECTOR = `unix:uid:${process.getuid!()}`;
const HOUR = 3_600_000;

let fixture: AgentFixture;
let otherCa: Issued;
let entryId: string;
let fetches = 0;

before(async () => {
  fixture = await AgentFixture.start({ prefix: 'tspire-e2e-federation-', syncInterval: '1s' });
  otherCa = await createCa({ uris: [OTHER.idString()], subject: 'CN=other.org root', notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 24 * HOUR) });
});

after(async () => {
  await fixture?.stop();
});

interface Written {
  result: RunResult;
  /** Root certificates of federated_bundle.0.0.pem, or undefined when it was not written. */
  federated: X509Bundle | undefined;
}

/** `api fetch x509 -write <fresh dir>`: what a workload gets now. */
async function fetchWrite(socketPath = fixture.socketPath): Promise<Written> {
  const dir = join(fixture.dir, `fetch-${++fetches}`);
  mkdirSync(dir);
  const result = await run(bins.spireAgent, ['api', 'fetch', 'x509', '-socketPath', socketPath, '-write', dir, '-timeout', '5s'], { cwd: fixture.dir });
  const path = join(dir, 'federated_bundle.0.0.pem');
  return { result, federated: existsSync(path) ? X509Bundle.parsePem(OTHER, readFileSync(path)) : undefined };
}

/** Fetches until `done` holds (the agent syncs every second). */
async function fetchUntil(what: string, done: (w: Written) => boolean): Promise<Written> {
  let last: Written | undefined;
  return pollUntil(
    async () => {
      last = await fetchWrite();
      return last.result.code === 0 && done(last) ? last : undefined;
    },
    30_000,
    () => `${what}: ${last?.result.stdout ?? ''}${last?.result.stderr ?? ''}\n--- agent ---\n${fixture.agentLog}`,
    300,
  );
}

const hasOtherRoot = (w: Written): boolean => w.federated?.hasX509Authority(otherCa.cert) === true;

test('an entry federating with other.org gets its bundle as federated_bundle.0.0.pem', async () => {
  const pem = join(fixture.dir, 'other.pem');
  writeFileSync(pem, encodePem('CERTIFICATE', otherCa.der));
  assertOk(await fixture.server.cli('bundle', 'set', '-id', OTHER.idString(), '-path', pem), 'bundle set');
  entryId = await fixture.createEntry(WORKLOAD_ID, [SELECTOR], '-federatesWith', OTHER.idString());
  const written = await fetchUntil('no federated bundle written', hasOtherRoot);
  assert.match(written.result.stdout, /Writing federated bundle #0 for trust domain spiffe:\/\/other\.org to file .*federated_bundle\.0\.0\.pem/);
  assert.equal(written.federated?.x509Authorities().length, 1);
});

test('updating the entry without -federatesWith removes the bundle on a later fetch', async () => {
  assertOk(await fixture.server.cli('entry', 'update', '-entryID', entryId, '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID, '-selector', SELECTOR), 'entry update');
  const written = await fetchUntil('the federated bundle is still served', (w) => w.federated === undefined);
  assert.match(written.result.stdout, /svid\.0\.pem/);
  assert.doesNotMatch(written.result.stdout, /federated bundle/);
});

test('bundle set in SPIFFE format, then bundle delete -mode dissociate removes it', async () => {
  const json = join(fixture.dir, 'other.json');
  writeFileSync(json, new SpiffeBundle(OTHER, { x509Authorities: [otherCa.cert] }).marshal());
  assertOk(await fixture.server.cli('bundle', 'set', '-id', OTHER.idString(), '-path', json, '-format', 'spiffe'), 'bundle set -format spiffe');
  assertOk(await fixture.server.cli('entry', 'update', '-entryID', entryId, '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID, '-selector', SELECTOR, '-federatesWith', OTHER.idString()), 'entry update');
  await fetchUntil('the federated bundle is not served again', hasOtherRoot);

  assertOk(await fixture.server.cli('bundle', 'delete', '-id', OTHER.idString(), '-mode', 'dissociate'), 'bundle delete');
  await fetchUntil('the deleted bundle is still served', (w) => w.federated === undefined);
  assert.doesNotMatch(fixture.agentLog, /Synchronization with the server failed/);
});

test('an agent bootstraps from trust_bundle_url (HTTPS, SPIFFE format) and serves', async () => {
  const dir = join(fixture.dir, 'url-agent');
  mkdirSync(dir);
  const spiffeBundle = assertOk(await fixture.server.cli('bundle', 'show', '-format', 'spiffe'), 'bundle show -format spiffe').stdout;
  const https = await serveOverHttps(dir, spiffeBundle);
  const socket = join(dir, 'api.sock');
  const url = `https://127.0.0.1:${(https.server.address() as AddressInfo).port}/bundle.json`;
  const conf = (bundleUrl: string): string => `agent {
    data_dir = ${JSON.stringify(join(dir, 'data'))}
    server_address = "127.0.0.1"
    server_port = "${fixture.server.tcpPort}"
    socket_path = ${JSON.stringify(socket)}
    trust_bundle_url = ${JSON.stringify(bundleUrl)}
    trust_bundle_format = "spiffe"
    trust_domain = "example.org"
}
plugins {
    NodeAttestor "join_token" { plugin_data {} }
    KeyManager "memory" { plugin_data {} }
    WorkloadAttestor "unix" { plugin_data {} }
}
`;
  writeFileSync(join(dir, 'http.conf'), conf(url.replace('https:', 'http:')));
  const refused = await run(bins.spireAgent, ['validate', '-config', join(dir, 'http.conf')], { cwd: dir });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /trust_bundle_url: trust bundle URL must start with https:\/\//);

  writeFileSync(join(dir, 'agent.conf'), conf(url));
  const nodeId = 'spiffe://example.org/agent/url-node';
  const token = /^Token: (\S+)$/m.exec(assertOk(await fixture.server.cli('token', 'generate', '-spiffeID', nodeId), 'token generate').stdout)?.[1] ?? '';
  assertOk(await fixture.server.cli('entry', 'create', '-parentID', nodeId, '-spiffeID', 'spiffe://example.org/workload/url-boot', '-selector', SELECTOR), 'entry create');
  const daemon = new Daemon(bins.spireAgent, ['run', '-config', join(dir, 'agent.conf'), '-joinToken', token], { cwd: dir, env: { NODE_EXTRA_CA_CERTS: https.caPath } });
  try {
    await waitForSocket(socket, daemon);
    await waitForOutput(daemon, /Agent started/);
    assert.deepEqual(https.requests, ['/bundle.json'], 'the bundle URL was fetched once, to bootstrap');
    let last: Written | undefined;
    await pollUntil(
      async () => {
        last = await fetchWrite(socket);
        return last.result.code === 0 && last.result.stdout.includes('svid.0.pem') ? true : undefined;
      },
      30_000,
      () => `no SVID from the URL-bootstrapped agent: ${last?.result.stdout ?? ''}${last?.result.stderr ?? ''}\n--- agent ---\n${daemon.output}`,
      300,
    );
  } finally {
    await daemon.stop();
    await new Promise((resolve) => https.server.close(resolve));
  }
});

/** An HTTPS server on 127.0.0.1 answering /bundle.json, with a CA written to `<dir>/https-ca.pem`. */
async function serveOverHttps(dir: string, body: string): Promise<{ server: Server; caPath: string; requests: string[] }> {
  const validity = { notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + HOUR) };
  const ca = await createCa({ ...validity, subject: 'CN=e2e bundle endpoint CA', uris: [] });
  const san = new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]);
  const leaf = await createLeaf(ca, { ...validity, subject: 'CN=bundle endpoint', uris: [], extraExtensions: [san] });
  const caPath = join(dir, 'https-ca.pem');
  writeFileSync(caPath, encodePem('CERTIFICATE', ca.der));
  const requests: string[] = [];
  const server = createServer({ cert: encodePem('CERTIFICATE', leaf.der), key: leaf.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) }, (req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/bundle.json') res.end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, caPath, requests };
}
