/**
 * The agent-facing TCP endpoint of a real `spire-server run` (SQLite), driven by @tspire/agent's
 * server client as an agent would: a runbook's `token generate` + `entry create`, join-token
 * attestation over TLS, entry sync, BatchNewX509SVID and NewJWTSVID, then ban and eviction from
 * the CLI. Every SVID is verified with @tspire/spiffe against the bundle the CLI prints.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  PermissionDeniedReason, createCsr, createServerClient, generateCsrKey, permissionDeniedReason,
  type ServerClient,
} from '@tspire/agent';
import { JwtBundle, JwtSvid, TrustDomain, X509Bundle, verifyX509Svid } from '@tspire/spiffe';
import { tempDir } from './lib/processes.js';
import { ServerProcess, assertOk, writeServerConf } from './lib/server-fixture.js';

const TD = TrustDomain.parse('example.org');
const NODE_ID = 'spiffe://example.org/agent/node1';
const WORKLOAD_ID = 'spiffe://example.org/workload/api';

const tmp = tempDir('tspire-e2e-agent-endpoint-');
let server: ServerProcess;
let bundle: X509Bundle;
const clients: ServerClient[] = [];

function client(svid?: { certChainDer: Uint8Array[]; privateKey: import('node:crypto').KeyObject }): ServerClient {
  const created = createServerClient({
    serverAddress: '127.0.0.1',
    serverPort: server.tcpPort,
    trustDomain: TD,
    trustBundle: bundle,
    ...(svid ? { svid } : {}),
  });
  clients.push(created);
  return created;
}

async function rejects(call: Promise<unknown>, code: Code, message: RegExp): Promise<ConnectError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.rawMessage, message);
  return err;
}

/** The cache polls the event feeds every second: wait (bounded) until `check` passes. */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let token = '';
let agentId = '';
let agent: ServerClient;

before(async () => {
  writeServerConf(tmp.path);
  server = await ServerProcess.start(tmp.path);
  const shown = assertOk(await server.cli('bundle', 'show'), 'bundle show');
  bundle = X509Bundle.parsePem(TD, shown.stdout);
  const generated = assertOk(await server.cli('token', 'generate', '-spiffeID', NODE_ID, '-ttl', '600'), 'token generate');
  token = /^Token: (\S+)$/m.exec(generated.stdout)?.[1] ?? '';
  assert.ok(token, generated.stdout);
  agentId = `spiffe://example.org/spire/agent/join_token/${token}`;
  assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', WORKLOAD_ID,
    '-selector', 'unix:uid:1000', '-dns', 'api.example.org', '-jwtSVIDTTL', '120'), 'entry create');
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
  tmp.cleanup();
});

test('an agent attests with a join token over TLS; the token is single use', async () => {
  const attested = await client().attestJoinToken(token);
  assert.equal(attested.reattestable, false);
  const verified = verifyX509Svid(attested.svid.certChain, bundle);
  assert.equal(verified.id.toString(), agentId);
  agent = client({ certChainDer: attested.svid.certChain, privateKey: attested.privateKey });

  await rejects(client().attestJoinToken(token), Code.InvalidArgument, /join token does not exist or has already been used/);
  await rejects(client().attestJoinToken('no-such-token'), Code.InvalidArgument, /join token does not exist or has already been used/);

  const listed = assertOk(await server.cli('agent', 'show', '-spiffeID', agentId), 'agent show');
  assert.match(listed.stdout, /Attestation type\s*: join_token/);
});

test('the agent syncs its entries and gets X509-SVIDs that verify against the bundle', async () => {
  const synced = await eventually('the workload entry in the agent cache', () => agent.syncAuthorizedEntries(), (r) =>
    r.entries.some((e) => `spiffe://${e.spiffeId?.trustDomain}${e.spiffeId?.path}` === WORKLOAD_ID));
  const ids = synced.entries.map((e) => `spiffe://${e.spiffeId?.trustDomain}${e.spiffeId?.path}`).sort();
  assert.deepEqual(ids, [NODE_ID, WORKLOAD_ID]);
  const workload = synced.entries.find((e) => e.spiffeId?.path === '/workload/api')!;

  const key = await generateCsrKey();
  const foreignKey = await generateCsrKey();
  const [good, unauthorized, foreign, garbage] = await agent.batchNewX509Svid([
    { entryId: workload.id, csrDer: createCsr(key, { spiffeId: WORKLOAD_ID }) },
    { entryId: 'not-an-entry-of-this-agent', csrDer: createCsr(key, { spiffeId: WORKLOAD_ID }) },
    { entryId: workload.id, csrDer: createCsr(foreignKey, { spiffeId: 'spiffe://other.org/workload/api' }) },
    { entryId: workload.id, csrDer: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00) },
  ]);
  assert.equal(good?.status.code, 0, good?.status.message);
  const verified = verifyX509Svid(good!.svid!.certChain, bundle);
  assert.equal(verified.id.toString(), WORKLOAD_ID);
  const leaf = verified.verifiedChain[0]!;
  assert.match(leaf.subjectAltName ?? '', /DNS:api\.example\.org/);
  assert.match(leaf.subject, /CN=api\.example\.org/);
  assert.ok(leaf.publicKey.equals(createPublicKey(key)));
  assert.equal(unauthorized?.status.code, Code.NotFound);
  assert.equal(unauthorized?.status.message, 'entry not found or not authorized');
  assert.equal(unauthorized?.svid, undefined);
  assert.equal(foreign?.status.code, Code.InvalidArgument);
  assert.match(foreign?.status.message ?? '', /other\.org/);
  assert.equal(garbage?.status.code, Code.InvalidArgument);
  assert.match(garbage?.status.message ?? '', /^malformed CSR: /);
});

test('the agent gets JWT-SVIDs signed by a key in the bundle', async () => {
  const workload = (await agent.getAuthorizedEntries()).find((e) => e.spiffeId?.path === '/workload/api')!;
  const jwt = await agent.newJwtSvid(workload.id, ['openbao']);
  const served = await agent.getBundle();
  const jwtBundle = new JwtBundle(TD, served.jwtAuthorities.map((a) => [a.keyId, createPublicKey({ key: Buffer.from(a.publicKey), format: 'der', type: 'spki' })] as const));
  const svid = await JwtSvid.parseAndValidate(jwt.token, jwtBundle, ['openbao']);
  assert.equal(svid.id.toString(), WORKLOAD_ID);
  assert.equal(Number(jwt.expiresAt) - Number(jwt.issuedAt), 120);
  await rejects(agent.newJwtSvid(workload.id, []), Code.InvalidArgument, /audience/);
});

test('a caller without an agent SVID cannot ask for SVIDs', async () => {
  await rejects(client().getAuthorizedEntries(), Code.PermissionDenied,
    /^authorization denied for method \/spire\.api\.server\.entry\.v1\.Entry\/GetAuthorizedEntries$/);
});

test('a banned agent is refused with AGENT_BANNED; after evict it is not attested', async () => {
  assertOk(await server.cli('agent', 'ban', '-spiffeID', agentId), 'agent ban');
  const banned = await rejects(agent.getAuthorizedEntries(), Code.PermissionDenied, /authorization denied/);
  assert.equal(permissionDeniedReason(banned), PermissionDeniedReason.AGENT_BANNED);
  assertOk(await server.cli('agent', 'evict', '-spiffeID', agentId), 'agent evict');
  const evicted = await rejects(agent.getAuthorizedEntries(), Code.PermissionDenied, /authorization denied/);
  assert.equal(permissionDeniedReason(evicted), PermissionDeniedReason.AGENT_NOT_ATTESTED);
});
