/**
 * Agent and federated-bundle commands, and entry files, against a real `spire-server run`
 * (SQLite). Agents are written straight into the running server's datastore (a second SQLite
 * connection; WAL lets both processes in) since no agent attests here; everything else goes
 * through the compiled CLI over the admin socket. Times print in UTC because TZ is set for
 * the children.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { datastore } from '@tspire/server';
import { createCa } from '@tspire/spiffe/testing';
import { bins, run, tempDir, type RunResult } from './lib/processes.js';
import { ServerProcess, assertOk, serverPaths, writeServerConf } from './lib/server-fixture.js';

process.env['TZ'] = 'UTC';

const TOKEN_AGENT = 'spiffe://example.org/spire/agent/join_token/tok-1';
const POP_AGENT = 'spiffe://example.org/spire/agent/x509pop/abc';
const OLD_AGENT = 'spiffe://example.org/spire/agent/x509pop/old';
const OLD_TOKEN_AGENT = 'spiffe://example.org/spire/agent/join_token/tok-old';
const OTHER = 'spiffe://other.org';
const HOUR = 3600;

const tmp = tempDir('tspire-e2e-agents-bundles-');
const nowS = Math.floor(Date.now() / 1000);
let server: ServerProcess;
let ds: Awaited<ReturnType<typeof datastore.openDatastore>>;
let caPem = '';
let spiffeBundle = '';

const cliIn = (input: string, ...args: string[]): Promise<RunResult> =>
  run(bins.spireServer, [...args, '-socketPath', server.socketPath], { cwd: tmp.path, input });

const ok = (result: RunResult, stdout: string | RegExp): void => {
  if (typeof stdout === 'string') assert.deepEqual(result, { code: 0, signal: null, stdout, stderr: '' });
  else {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, stdout);
  }
};

const failed = (result: RunResult, stderr: RegExp): void => {
  assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, stderr);
};

/** Go `%v` of a time.Time in UTC with whole seconds. */
const goTime = (epochS: number): string => `${new Date(epochS * 1000).toISOString().replace('T', ' ').slice(0, 19)} +0000 UTC`;

function agentBlock(id: string, type: string, expires: number, tail: string): string {
  return `SPIFFE ID         : ${id}\nAttestation type  : ${type}\nExpiration time   : ${goTime(expires)}\n${tail}`;
}

function node(spiffeId: string, attestationType: string, notAfter: number, canReattest: boolean, serial: string) {
  return {
    spiffeId, attestationType, certSerialNumber: serial, certNotAfter: notAfter,
    newCertSerialNumber: '', newCertNotAfter: 0, canReattest, agentVersion: '',
  };
}

before(async () => {
  writeServerConf(tmp.path);
  server = await ServerProcess.start(tmp.path);
  ds = await datastore.openDatastore({ databaseType: 'sqlite3', connectionString: serverPaths(tmp.path).sqlite });
  await ds.createAttestedNode(node(TOKEN_AGENT, 'join_token', nowS + HOUR, false, '101'));
  await ds.createAttestedNode({ ...node(POP_AGENT, 'x509pop', nowS + 2 * HOUR, true, '202'), agentVersion: '1.15.3' });
  await ds.setNodeSelectors(POP_AGENT, [
    { type: 'x509pop', value: 'subject:cn:abc' },
    { type: 'x509pop', value: 'ca:fingerprint:ff00' },
  ]);
  await ds.createAttestedNode(node(OLD_AGENT, 'x509pop', nowS - 3 * HOUR, true, '303'));
  await ds.createAttestedNode(node(OLD_TOKEN_AGENT, 'join_token', nowS - 3 * HOUR, false, '404'));

  const ca = await createCa({ subject: 'CN=Other Root CA, O=other', uris: [OTHER] });
  caPem = `-----BEGIN CERTIFICATE-----\n${ca.der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const jwk = await webcrypto.subtle.exportKey('jwk', ca.keys.pair.publicKey);
  spiffeBundle = JSON.stringify({
    keys: [
      { use: 'x509-svid', kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, x5c: [ca.der.toString('base64')] },
      { use: 'jwt-svid', kty: jwk.kty, kid: 'other-jwt-1', crv: jwk.crv, x: jwk.x, y: jwk.y },
    ],
    spiffe_refresh_hint: 300,
    spiffe_sequence: 7,
  });
  writeFileSync(join(tmp.path, 'other.pem'), caPem);
  writeFileSync(join(tmp.path, 'garbage.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
});

after(async () => {
  await ds?.close();
  await server?.kill();
  tmp.cleanup();
});

// --- agents --------------------------------------------------------------------------------

test('agent list prints every agent (sorted by the server) in the §4.3 block', async () => {
  const result = assertOk(await server.cli('agent', 'list'), 'agent list');
  assert.equal(result.stderr, '');
  assert.match(result.stdout, /^Found 4 attested agents:\n\n/);
  assert.ok(result.stdout.includes(`${agentBlock(POP_AGENT, 'x509pop', nowS + 2 * HOUR, 'Serial number     : 202\nCan re-attest     : true\nAgent version     : 1.15.3\n')}\n`), result.stdout);
  assert.ok(result.stdout.includes(`${agentBlock(TOKEN_AGENT, 'join_token', nowS + HOUR, 'Serial number     : 101\nCan re-attest     : false\n')}\n`), result.stdout);
  assert.equal(result.stdout.match(/^SPIFFE ID/gm)?.length, 4);
});

test('agent list -output json carries ids, selectors and flags', async () => {
  const result = assertOk(await server.cli('agent', 'list', '-output', 'json'), 'agent list json');
  const parsed = JSON.parse(result.stdout) as { agents: Record<string, unknown>[]; next_page_token: string };
  assert.equal(parsed.next_page_token, '');
  assert.equal(parsed.agents.length, 4);
  const pop = parsed.agents.find((a) => (a['id'] as { path: string }).path === '/spire/agent/x509pop/abc');
  assert.ok(pop, result.stdout);
  assert.deepEqual(pop['id'], { trust_domain: 'example.org', path: '/spire/agent/x509pop/abc' });
  assert.equal(pop['attestation_type'], 'x509pop');
  assert.equal(pop['x509svid_serial_number'], '202');
  assert.equal(pop['x509svid_expires_at'], String(nowS + 2 * HOUR));
  assert.equal(pop['can_reattest'], true);
  assert.equal(pop['banned'], false);
  assert.equal(pop['agent_version'], '1.15.3');
  assert.deepEqual(
    [...(pop['selectors'] as { type: string; value: string }[])].sort((a, b) => a.value.localeCompare(b.value)),
    [{ type: 'x509pop', value: 'ca:fingerprint:ff00' }, { type: 'x509pop', value: 'subject:cn:abc' }],
  );
});

test('agent list filters: attestation type, selectors, canReattest, expiresBefore', async () => {
  const ids = async (...filter: string[]): Promise<string[]> => {
    const result = assertOk(await server.cli('agent', 'list', ...filter), `agent list ${filter.join(' ')}`);
    return [...result.stdout.matchAll(/^SPIFFE ID\s+: (\S+)$/gm)].map((m) => m[1] as string).sort();
  };
  const cutoff = goTime(nowS - HOUR).replace(' UTC', ' +00');
  // Read-only queries: run side by side to keep the file fast.
  const [byType, superset, exact, any, reattest, noReattest, expiring, banned, badDate] = await Promise.all([
    ids('-attestationType', 'x509pop'),
    ids('-selector', 'x509pop:subject:cn:abc', '-matchSelectorsOn', 'superset'),
    ids('-selector', 'x509pop:subject:cn:abc', '-matchSelectorsOn', 'exact'),
    ids('-selector', 'x509pop:subject:cn:zzz', '-selector', 'x509pop:subject:cn:abc', '-matchSelectorsOn', 'any'),
    ids('-canReattest', 'true'),
    ids('-canReattest', 'false'),
    ids('-expiresBefore', cutoff),
    server.cli('agent', 'list', '-banned', 'true'),
    server.cli('agent', 'list', '-expiresBefore', 'yesterday'),
  ]);
  assert.deepEqual(byType, [POP_AGENT, OLD_AGENT].sort());
  assert.deepEqual(superset, [POP_AGENT]);
  assert.deepEqual(exact, []);
  assert.deepEqual(any, [POP_AGENT]);
  assert.deepEqual(reattest, [POP_AGENT, OLD_AGENT].sort());
  assert.deepEqual(noReattest, [TOKEN_AGENT, OLD_TOKEN_AGENT].sort());
  assert.deepEqual(expiring, [OLD_AGENT, OLD_TOKEN_AGENT].sort());
  ok(banned, 'No attested agents found\n');
  failed(badDate, /^Error: date is not valid: expected the layout "2006-01-02 15:04:05 -0700 -07", got "yesterday"\n$/);
});

test('agent count, with and without filters', async () => {
  const [all, tokens, bySelector, json] = await Promise.all([
    server.cli('agent', 'count'),
    server.cli('agent', 'count', '-attestationType', 'join_token', '-canReattest', 'false'),
    server.cli('agent', 'count', '-selector', 'x509pop:subject:cn:abc'),
    server.cli('agent', 'count', '-output', 'json'),
  ]);
  ok(all, '4 attested agents\n');
  ok(tokens, '2 attested agents\n');
  ok(bySelector, '1 attested agent\n');
  ok(json, '{"count":4}\n');
});

test('agent show -spiffeID prints the block and the selectors', async () => {
  const [shown, noId, unknown] = await Promise.all([
    server.cli('agent', 'show', '-spiffeID', POP_AGENT),
    server.cli('agent', 'show'),
    server.cli('agent', 'show', '-spiffeID', 'spiffe://example.org/spire/agent/nope'),
  ]);
  const result = assertOk(shown, 'agent show');
  assert.equal(
    result.stdout,
    'Found an attested agent given its SPIFFE ID\n\n' +
      agentBlock(POP_AGENT, 'x509pop', nowS + 2 * HOUR, 'Serial number     : 202\nCan re-attest     : true\nAgent version     : 1.15.3\n') +
      // In the order the selectors were stored, as SPIRE's datastore returns them.
      '\nSelectors         : x509pop:subject:cn:abc\nSelectors         : x509pop:ca:fingerprint:ff00\n',
  );
  failed(noId, /^Error: a SPIFFE ID is required\n$/);
  failed(unknown, /^Error: rpc error: code = NotFound desc = agent not found\n$/);
});

test('agent ban: the agent then lists as Banned', async () => {
  ok(await server.cli('agent', 'ban', '-spiffeID', TOKEN_AGENT), 'Agent banned successfully\n');
  const [list, notBanned] = await Promise.all([server.cli('agent', 'list', '-banned', 'true'), server.cli('agent', 'count', '-banned', 'false')]);
  const banned = assertOk(list, 'agent list -banned');
  assert.equal(banned.stdout, `Found 1 attested agent:\n\n${agentBlock(TOKEN_AGENT, 'join_token', nowS + HOUR, 'Banned            : true\nCan re-attest     : false\n')}\n`);
  ok(notBanned, '3 attested agents\n');
});

test('agent evict removes the agent; an unknown one is an error', async () => {
  ok(await server.cli('agent', 'evict', '-spiffeID', POP_AGENT), 'Agent evicted successfully\n');
  const [show, again, count] = await Promise.all([
    server.cli('agent', 'show', '-spiffeID', POP_AGENT),
    server.cli('agent', 'evict', '-spiffeID', POP_AGENT),
    server.cli('agent', 'count'),
  ]);
  failed(show, /^Error: rpc error: code = NotFound desc = agent not found\n$/);
  failed(again, /^Error: rpc error: code = NotFound desc = agent not found\n$/);
  ok(count, '3 attested agents\n');
});

test('agent purge -expiredFor 1h: dry run lists, then only the expired re-attestable agent goes', async () => {
  ok(
    await server.cli('agent', 'purge', '-expiredFor', '1h', '-dryRun'),
    `Found 1 expired agent\n\n\nAgents that can be purged:\nSPIFFE ID         : ${OLD_AGENT}\n`,
  );
  ok(await server.cli('agent', 'count'), '3 attested agents\n');
  const purged = assertOk(await server.cli('agent', 'purge', '-expiredFor', '1h'), 'agent purge');
  assert.match(purged.stdout, new RegExp(`^Found 1 expired agent\\n\\nAgents purged:\\nSPIFFE ID         : ${OLD_AGENT.replace(/\//g, '\\/')}\\n`));
  assert.doesNotMatch(purged.stdout, /not purged/);
  const [old, oldToken, again, count] = await Promise.all([
    server.cli('agent', 'show', '-spiffeID', OLD_AGENT),
    server.cli('agent', 'show', '-spiffeID', OLD_TOKEN_AGENT),
    server.cli('agent', 'purge', '-expiredFor', '1h'),
    server.cli('agent', 'count'),
  ]);
  failed(old, /not found/);
  ok(oldToken, /Attestation type  : join_token/);
  ok(again, 'No agents to purge.\n');
  ok(count, '2 attested agents\n');
});

// --- federated bundles ---------------------------------------------------------------------

test('bundle set -path <pem>, then list and count', async () => {
  ok(await server.cli('bundle', 'count'), '1 bundle\n');
  ok(await server.cli('bundle', 'set', '-id', OTHER, '-path', join(tmp.path, 'other.pem')), 'bundle set.\n');
  const [count, list, one] = await Promise.all([
    server.cli('bundle', 'count'), server.cli('bundle', 'list'), server.cli('bundle', 'list', '-id', OTHER),
  ]);
  ok(count, '2 bundles\n');
  const star = '*'.repeat(40);
  ok(list, `${star}\n* other.org\n${star}\n${caPem}`);
  ok(one, caPem);
});

test('bundle set -format spiffe from stdin keeps JWT authorities, sequence and hint', async () => {
  ok(await cliIn(spiffeBundle, 'bundle', 'set', '-id', OTHER, '-format', 'spiffe'), 'bundle set.\n');
  const [listed, count] = await Promise.all([server.cli('bundle', 'list', '-id', OTHER, '-format', 'spiffe'), server.cli('bundle', 'count')]);
  const result = assertOk(listed, 'bundle list spiffe');
  assert.match(result.stdout, /^\{\n {4}"keys": \[\n/);
  assert.ok(result.stdout.endsWith('}\n'));
  const doc = JSON.parse(result.stdout) as { keys: Record<string, unknown>[]; spiffe_sequence: number; spiffe_refresh_hint: number };
  assert.equal(doc.spiffe_sequence, 7);
  assert.equal(doc.spiffe_refresh_hint, 300);
  assert.deepEqual(doc.keys.map((k) => k['use']).sort(), ['jwt-svid', 'x509-svid']);
  assert.equal(doc.keys.find((k) => k['use'] === 'jwt-svid')?.['kid'], 'other-jwt-1');
  ok(count, '2 bundles\n');
});

test('bundle set refuses the own trust domain and garbage PEM, changing nothing', async () => {
  const [own, garbage, noId] = await Promise.all([
    server.cli('bundle', 'set', '-id', 'spiffe://example.org', '-path', join(tmp.path, 'other.pem')),
    server.cli('bundle', 'set', '-id', OTHER, '-path', join(tmp.path, 'garbage.pem')),
    server.cli('bundle', 'set', '-path', join(tmp.path, 'other.pem')),
  ]);
  failed(own, /^Error: failed to set federated bundle: .*server's own trust domain/);
  failed(garbage, /^Error: unable to parse bundle data: .*PEM block 1 .*not valid base64\n$/);
  failed(noId, /^Error: id flag is required\n$/);
  const [count, listed] = await Promise.all([server.cli('bundle', 'count'), server.cli('bundle', 'list', '-id', OTHER, '-format', 'spiffe')]);
  ok(count, '2 bundles\n');
  const result = assertOk(listed, 'bundle list');
  assert.equal((JSON.parse(result.stdout) as { spiffe_sequence: number }).spiffe_sequence, 7);
});

test('bundle delete: restrict refuses while an entry federates; dissociate deletes and unlinks', async () => {
  const created = assertOk(
    await server.cli('entry', 'create', '-parentID', 'spiffe://example.org/agent/x', '-spiffeID', 'spiffe://example.org/fed',
      '-selector', 'unix:uid:7', '-federatesWith', OTHER),
    'entry create -federatesWith',
  );
  assert.match(created.stdout, /^FederatesWith\s+: other\.org$/m);
  // The trust domain is echoed as given with -id.
  failed(
    await server.cli('bundle', 'delete', '-id', OTHER),
    /^Error: failed to delete federated bundle "spiffe:\/\/other\.org": .*federated with 1 registration entr/,
  );
  const [stillTwo, badMode] = await Promise.all([server.cli('bundle', 'count'), server.cli('bundle', 'delete', '-id', OTHER, '-mode', 'sideways')]);
  ok(stillTwo, '2 bundles\n');
  failed(badMode, /^Error: unsupported mode "sideways"\n$/);
  ok(await server.cli('bundle', 'delete', '-id', OTHER, '-mode', 'dissociate'), 'bundle deleted.\n');
  const [count, show, list] = await Promise.all([
    server.cli('bundle', 'count'), server.cli('entry', 'show', '-spiffeID', 'spiffe://example.org/fed'), server.cli('bundle', 'list'),
  ]);
  ok(count, '1 bundle\n');
  const shown = assertOk(show, 'entry show');
  assert.match(shown.stdout, /^Found 1 entry\n/);
  assert.doesNotMatch(shown.stdout, /FederatesWith/);
  ok(list, '');
});

// --- entry files ---------------------------------------------------------------------------

const legacyEntries = (path: string): string => JSON.stringify({
  entries: [{
    selectors: [{ type: 'unix', value: 'uid:1' }],
    spiffe_id: `spiffe://example.org${path}`,
    parent_id: 'spiffe://example.org/agent/x',
    x509_svid_ttl: 100,
    entryExpiry: 2000000000,
    dns_names: [`${path.slice(1)}.example.org`],
  }],
});

function legacyBlock(id: string, path: string): string {
  return `Entry ID                : ${id}\n` +
    `SPIFFE ID               : spiffe://example.org${path}\n` +
    'Parent ID               : spiffe://example.org/agent/x\n' +
    'Revision                : 0\n' +
    'X509-SVID TTL           : 100\n' +
    'JWT-SVID TTL            : default\n' +
    'Expiration time         : 2033-05-18 03:33:20 +0000 UTC\n' +
    'Selector                : unix:uid:1\n' +
    `DNS name                : ${path.slice(1)}.example.org\n\n`;
}

const entryId = (stdout: string): string => {
  const match = /^Entry ID\s+: (\S+)$/m.exec(stdout);
  assert.ok(match, stdout);
  return match[1] as string;
};

test('entry create -data <file> and -data - (legacy JSON), then entry delete -file', async () => {
  writeFileSync(join(tmp.path, 'entries.json'), legacyEntries('/a'));
  const [file, stdin] = await Promise.all([
    server.cli('entry', 'create', '-data', join(tmp.path, 'entries.json')),
    cliIn(legacyEntries('/b'), 'entry', 'create', '-data', '-'),
  ]);
  const fromFile = assertOk(file, 'entry create -data');
  const idA = entryId(fromFile.stdout);
  assert.equal(fromFile.stdout, legacyBlock(idA, '/a'));
  const fromStdin = assertOk(stdin, 'entry create -data -');
  const idB = entryId(fromStdin.stdout);
  assert.equal(fromStdin.stdout, legacyBlock(idB, '/b'));

  const json = assertOk(await server.cli('entry', 'show', '-spiffeID', 'spiffe://example.org/a', '-output', 'json'), 'show');
  const [entry] = (JSON.parse(json.stdout) as { entries: Record<string, unknown>[] }).entries;
  assert.equal(entry?.['expires_at'], '2000000000');
  assert.deepEqual(entry?.['dns_names'], ['a.example.org']);

  writeFileSync(join(tmp.path, 'ids.json'), JSON.stringify({ ids: [idA, idB] }));
  const deleted = assertOk(await server.cli('entry', 'delete', '-file', join(tmp.path, 'ids.json')), 'entry delete -file');
  assert.equal(deleted.stdout, `Deleted entry with ID: ${idA}\nDeleted entry with ID: ${idB}\n\n\nDeleted 2 entries successfully`);
  ok(await server.cli('entry', 'count', '-parentID', 'spiffe://example.org/agent/x'), '1 registration entry\n');
});
