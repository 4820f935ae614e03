/**
 * The operator runbook, verbatim, against a real `spire-server run`: every command is the
 * compiled CLI run as a child process over the admin socket, and outputs and exit codes are
 * checked as an operator would read them. Ends with a graceful SIGTERM.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { bins, run, tempDir } from './lib/processes.js';
import { ServerProcess, assertOk, serverPaths, writeServerConf } from './lib/server-fixture.js';

const AGENT = 'spiffe://example.org/agent/local';
const WORKLOAD = 'spiffe://example.org/workload/api';

interface EntryJson {
  id: string;
  spiffe_id: { trust_domain: string; path: string };
  parent_id: { trust_domain: string; path: string };
  selectors: { type: string; value: string }[];
  x509_svid_ttl: number;
  revision_number: string;
}

const tmp = tempDir('tspire-e2e-runbook-');
let server: ServerProcess;
let entryId = '';
let token = '';

before(async () => {
  writeServerConf(tmp.path);
  server = await ServerProcess.start(tmp.path);
});
after(async () => {
  await server?.kill();
  tmp.cleanup();
});

function entryIdFrom(stdout: string): string {
  const match = /^Entry ID\s+: (\S+)$/m.exec(stdout);
  assert.ok(match, `no Entry ID line in:\n${stdout}`);
  return match[1] as string;
}

async function showJson(...filter: string[]): Promise<EntryJson[]> {
  const result = assertOk(await server.cli('entry', 'show', ...filter, '-output', 'json'), 'entry show');
  const parsed = JSON.parse(result.stdout) as { entries: EntryJson[]; next_page_token: string };
  assert.equal(parsed.next_page_token, '');
  return parsed.entries;
}

test('healthcheck reports a healthy server', async () => {
  const result = await server.cli('healthcheck');
  assert.deepEqual(result, { code: 0, signal: null, stdout: 'Server is healthy.\n', stderr: '' });
});

test('health_checks listener answers /live and /ready with 200 and JSON', async () => {
  for (const path of ['/live', '/ready']) {
    const response = await fetch(`http://127.0.0.1:${server.healthPort}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(typeof body, 'object');
    assert.deepEqual(body['server'], { ready: true, live: true });
  }
  const missing = await fetch(`http://127.0.0.1:${server.healthPort}/nope`);
  assert.equal(missing.status, 404);
});

test('token generate -spiffeID ... -ttl 3600', async () => {
  const result = assertOk(await server.cli('token', 'generate', '-spiffeID', AGENT, '-ttl', '3600'), 'token generate');
  const match = /^Token: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\n$/.exec(result.stdout);
  assert.ok(match, `unexpected output: ${JSON.stringify(result.stdout)}`);
  assert.equal(result.stderr, '');
  token = match[1] as string;
  // As in SPIRE, the agent ID given with the token gets an entry parented by the token's agent ID.
  const [agentEntry, ...rest] = await showJson('-spiffeID', AGENT);
  assert.equal(rest.length, 0);
  assert.deepEqual(agentEntry?.parent_id, { trust_domain: 'example.org', path: `/spire/agent/join_token/${token}` });
  assert.deepEqual(agentEntry?.selectors, [{ type: 'spiffe_id', value: `spiffe://example.org/spire/agent/join_token/${token}` }]);
});

test('entry create -parentID ... -spiffeID ... -selector unix:uid:1000 -x509SVIDTTL 3600', async () => {
  const result = assertOk(
    await server.cli('entry', 'create', '-parentID', AGENT, '-spiffeID', WORKLOAD, '-selector', 'unix:uid:1000', '-x509SVIDTTL', '3600'),
    'entry create',
  );
  entryId = entryIdFrom(result.stdout);
  assert.equal(
    result.stdout,
    `Entry ID                : ${entryId}\n` +
      `SPIFFE ID               : ${WORKLOAD}\n` +
      `Parent ID               : ${AGENT}\n` +
      'Revision                : 0\n' +
      'X509-SVID TTL           : 3600\n' +
      'JWT-SVID TTL            : default\n' +
      'Selector                : unix:uid:1000\n\n',
  );
  assert.equal(result.stderr, '');
});

test('entry show -spiffeID ... -output json', async () => {
  const entries = await showJson('-spiffeID', WORKLOAD);
  assert.equal(entries.length, 1);
  const entry = entries[0] as EntryJson;
  assert.equal(entry.id, entryId);
  assert.deepEqual(entry.spiffe_id, { trust_domain: 'example.org', path: '/workload/api' });
  assert.deepEqual(entry.parent_id, { trust_domain: 'example.org', path: '/agent/local' });
  assert.deepEqual(entry.selectors, [{ type: 'unix', value: 'uid:1000' }]);
  assert.equal(entry.x509_svid_ttl, 3600);
  assert.equal(entry.revision_number, '0');
});

test('entry count counts the workload and the token entry', async () => {
  assert.deepEqual(await server.cli('entry', 'count'), { code: 0, signal: null, stdout: '2 registration entries\n', stderr: '' });
});

test('entry update -entryID <id> ... -selector unix:uid:1001', async () => {
  const result = assertOk(
    await server.cli('entry', 'update', '-entryID', entryId, '-parentID', AGENT, '-spiffeID', WORKLOAD, '-selector', 'unix:uid:1001'),
    'entry update',
  );
  assert.equal(entryIdFrom(result.stdout), entryId);
  assert.match(result.stdout, /^Revision\s+: 1$/m);
  assert.match(result.stdout, /^Selector\s+: unix:uid:1001$/m);
  // No input mask: every field is replaced, so the TTL not given is back to the default.
  assert.match(result.stdout, /^X509-SVID TTL\s+: default$/m);
  const [entry] = await showJson('-entryID', entryId);
  assert.deepEqual(entry?.selectors, [{ type: 'unix', value: 'uid:1001' }]);
  assert.equal(entry?.revision_number, '1');
});

test('entry delete -entryID <id>', async () => {
  const result = await server.cli('entry', 'delete', '-entryID', entryId);
  assert.deepEqual(result, {
    code: 0,
    signal: null,
    // SPIRE prints each deletion, two newlines, then the summary without a trailing newline.
    stdout: `Deleted entry with ID: ${entryId}\n\n\nDeleted 1 entries successfully`,
    stderr: '',
  });
  const gone = await server.cli('entry', 'show', '-entryID', entryId);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr, `Error: error fetching entry ID ${entryId}: rpc error: code = NotFound desc = entry not found\n`);
  assert.deepEqual(await server.cli('entry', 'count'), { code: 0, signal: null, stdout: '1 registration entry\n', stderr: '' });
});

test('bundle show: a PEM CA certificate for spiffe://example.org', async () => {
  const result = assertOk(await server.cli('bundle', 'show'), 'bundle show');
  const blocks = result.stdout.match(/-----BEGIN CERTIFICATE-----\n[\s\S]+?\n-----END CERTIFICATE-----\n/g) ?? [];
  assert.equal(blocks.length, 1, result.stdout);
  const cert = new X509Certificate(blocks[0] as string);
  assert.equal(cert.ca, true);
  assert.equal(cert.subjectAltName, 'URI:spiffe://example.org');
  assert.ok(cert.verify(cert.publicKey), 'the root CA is self-signed');
  assert.ok(new Date(cert.validTo).getTime() > Date.now());
});

test('bundle show -format spiffe: the same CA as a JWKS with a JWT authority', async () => {
  const pem = assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout;
  const result = assertOk(await server.cli('bundle', 'show', '-format', 'spiffe'), 'bundle show -format spiffe');
  const bundle = JSON.parse(result.stdout) as { keys: Record<string, unknown>[]; spiffe_sequence: number };
  assert.match(result.stdout, /^\{\n {4}"keys": \[/, 'indented by 4 spaces');
  const x509 = bundle.keys.filter((k) => k['use'] === 'x509-svid');
  const jwt = bundle.keys.filter((k) => k['use'] === 'jwt-svid');
  assert.equal(x509.length, 1);
  assert.ok(jwt.length >= 1);
  assert.equal(typeof jwt[0]?.['kid'], 'string');
  const der = Buffer.from((x509[0]?.['x5c'] as string[])[0] as string, 'base64');
  assert.ok(new X509Certificate(der).raw.equals(new X509Certificate(pem).raw), 'x5c is the PEM certificate');
  assert.ok(Number.isInteger(bundle.spiffe_sequence) && bundle.spiffe_sequence >= 1);
});

test('validate -config server.conf', async () => {
  const result = await run(bins.spireServer, ['validate', '-config', serverPaths(tmp.path).conf], { cwd: tmp.path });
  assert.deepEqual(result, { code: 0, signal: null, stdout: 'SPIRE server configuration file is valid.\n', stderr: '' });
});

test('SIGTERM stops the server cleanly: exit 0 and the socket file removed', async () => {
  assert.ok(server.socketExists);
  const [code, signal] = await server.stop();
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.daemon.output);
  assert.equal(server.socketExists, false, 'admin socket file removed');
  assert.match(server.daemon.output, /Server stopped gracefully/);
  const refused = await server.cli('healthcheck');
  assert.equal(refused.code, 1);
});
