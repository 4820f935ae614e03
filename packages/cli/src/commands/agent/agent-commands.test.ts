import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { agentv1, types } from '@tspire/proto';
import { startFakeAdminServer, type FakeAdminServer } from '../../testing/fake-admin-server.js';
import { runCli, type RunOptions } from '../../testing/run-cli.js';

const NOW = new Date('2024-01-02T03:04:05Z');
const secondsAgo = (s: number): bigint => BigInt(Math.floor(NOW.getTime() / 1000) - s);

const agents = [
  create(types.AgentSchema, { id: { trustDomain: 'example.org', path: '/spire/agent/a' }, attestationType: 'x509pop', x509svidSerialNumber: '1', x509svidExpiresAt: secondsAgo(800 * 3600), canReattest: true, selectors: [{ type: 'x509pop', value: 'cn:a' }] }),
  create(types.AgentSchema, { id: { trustDomain: 'example.org', path: '/spire/agent/b' }, attestationType: 'x509pop', x509svidSerialNumber: '2', x509svidExpiresAt: secondsAgo(3600), canReattest: true }),
  create(types.AgentSchema, { id: { trustDomain: 'example.org', path: '/spire/agent/c' }, attestationType: 'x509pop', x509svidSerialNumber: '3', x509svidExpiresAt: secondsAgo(900 * 3600), canReattest: true }),
];

async function withAgentServer(fn: (server: FakeAdminServer, opts: RunOptions) => Promise<void>): Promise<void> {
  const server = await startFakeAdminServer((r) =>
    r.service(agentv1.Agent, {
      listAgents: (req) => {
        if (req.pageSize === 0) return { agents }; // purge asks for everything at once
        const start = req.pageToken === '' ? 0 : Number(req.pageToken);
        const page = agents.slice(start, start + 2);
        return { agents: page, nextPageToken: page.length > 0 ? String(start + page.length) : '' };
      },
      countAgents: () => ({ count: 1 }),
      getAgent: (req) => {
        const found = agents.find((a) => a.id?.path === req.id?.path);
        if (found === undefined) throw new ConnectError('agent not found', Code.NotFound);
        return found;
      },
      deleteAgent: (req) => {
        if (req.id?.path === '/spire/agent/c') throw new ConnectError('datastore busy', Code.Internal);
        return {};
      },
      banAgent: () => ({}),
      createJoinToken: (req) => ({ value: 'tok-123', expiresAt: BigInt(req.ttl) }),
    }),
  );
  try {
    await fn(server, { socketPath: server.socketPath, now: () => NOW });
  } finally {
    await server.close();
  }
}

test('agent list pages by 1000 until an empty token, with filters', async () => {
  await withAgentServer(async (server, opts) => {
    const run = await runCli(['agent', 'list'], ['-selector', 'x509pop:cn:a', '-attestationType', 'x509pop', '-canReattest', 'true', '-banned', 'false', '-expiresBefore', '2024-01-01 00:00:00 +0000 +00'], opts);
    assert.equal(run.code, 0, run.stderr);
    const reqs = server.requests<agentv1.ListAgentsRequest>('Agent/ListAgents');
    assert.deepEqual(reqs.map((r) => [r.pageSize, r.pageToken]), [[1000, ''], [1000, '2'], [1000, '3']]);
    const f = reqs[0]?.filter;
    assert.deepEqual([f?.byAttestationType, f?.byCanReattest, f?.byBanned, f?.byExpiresBefore], ['x509pop', true, false, '2024-01-01 00:00:00 +0000 +00']);
    assert.equal(f?.bySelectorMatch?.match, types.SelectorMatch_MatchBehavior.MATCH_SUPERSET);
    assert.match(run.stdout, /^Found 3 attested agents:\n\nSPIFFE ID {9}: spiffe:\/\/example.org\/spire\/agent\/a\n/);
    const bad = await runCli(['agent', 'list'], ['-canReattest', 'yes'], opts);
    assert.equal(bad.stderr, 'Error: invalid value for can reattest filter: strconv.ParseBool: parsing "yes": invalid syntax\n');
    const badDate = await runCli(['agent', 'count'], ['-expiresBefore', '2024-01-01'], opts);
    assert.match(badDate.stderr, /^Error: date is not valid/);
  });
});

test('agent show, count, evict, ban', async () => {
  await withAgentServer(async (server, opts) => {
    const show = await runCli(['agent', 'show'], ['-spiffeID', 'spiffe://example.org/spire/agent/a'], opts);
    assert.match(show.stdout, /^Found an attested agent given its SPIFFE ID\n\nSPIFFE ID/);
    assert.ok(show.stdout.endsWith('Can re-attest     : true\n\nSelectors         : x509pop:cn:a\n'));
    const missing = await runCli(['agent', 'show'], ['-spiffeID', 'spiffe://example.org/nope'], opts);
    assert.equal(missing.stderr, 'Error: rpc error: code = NotFound desc = agent not found\n');
    assert.equal((await runCli(['agent', 'show'], [], opts)).stderr, 'Error: a SPIFFE ID is required\n');
    assert.equal((await runCli(['agent', 'count'], [], opts)).stdout, '1 attested agent\n');
    assert.equal((await runCli(['agent', 'evict'], ['-spiffeID', 'spiffe://example.org/spire/agent/a'], opts)).stdout, 'Agent evicted successfully\n');
    assert.equal((await runCli(['agent', 'ban'], ['-spiffeID', 'spiffe://example.org/spire/agent/b'], opts)).stdout, 'Agent banned successfully\n');
    assert.equal((await runCli(['agent', 'ban'], ['-spiffeID', 'spiffe://example.org/spire/agent/b', '-output', 'json'], opts)).stdout, '{}\n');
    assert.deepEqual(server.requests<agentv1.BanAgentRequest>('Agent/BanAgent').map((r) => r.id?.path), ['/spire/agent/b', '/spire/agent/b']);
  });
});

test('agent purge deletes agents expired longer than -expiredFor (default 720h)', async () => {
  await withAgentServer(async (server, opts) => {
    const dry = await runCli(['agent', 'purge'], ['-dryRun'], opts);
    assert.equal(
      dry.stdout,
      'Found 2 expired agents\n\n\nAgents that can be purged:\n' +
        'SPIFFE ID         : spiffe://example.org/spire/agent/a\n' +
        'SPIFFE ID         : spiffe://example.org/spire/agent/c\n',
    );
    assert.equal(server.requests('Agent/DeleteAgent').length, 0);
    const list = server.requests<agentv1.ListAgentsRequest>('Agent/ListAgents')[0];
    assert.equal(list?.filter?.byCanReattest, true);
    assert.equal(list?.outputMask?.x509svidExpiresAt, true);
    const real = await runCli(['agent', 'purge'], [], opts);
    assert.equal(
      real.stdout,
      'Found 2 expired agents\n\n' +
        'Agents purged:\nSPIFFE ID         : spiffe://example.org/spire/agent/a\n' +
        'Agents not purged:\nSPIFFE ID         : spiffe://example.org/spire/agent/c\n' +
        'Error             : rpc error: code = Internal desc = datastore busy\n',
    );
    const json = await runCli(['agent', 'purge'], ['-expiredFor', '850h', '-output', 'json'], opts);
    assert.equal(json.stdout, '[{"expired_agents":[{"agent_id":"spiffe://example.org/spire/agent/c","deleted":false,"error":"rpc error: code = Internal desc = datastore busy"}]}]\n');
    const none = await runCli(['agent', 'purge'], ['-expiredFor', '1000h'], opts);
    assert.equal(none.stdout, 'No agents to purge.\n');
  });
});

test('token generate sends TTL and optional agent ID; warns without -spiffeID', async () => {
  await withAgentServer(async (server, opts) => {
    const plain = await runCli(['token', 'generate'], [], opts);
    assert.deepEqual(plain, { code: 0, stdout: 'Token: tok-123\nWarning: Missing SPIFFE ID.\n', stderr: '' });
    const withId = await runCli(['token', 'generate'], ['-spiffeID', 'spiffe://example.org/agent/local', '-ttl', '3600'], opts);
    assert.equal(withId.stdout, 'Token: tok-123\n');
    const reqs = server.requests<agentv1.CreateJoinTokenRequest>('Agent/CreateJoinToken');
    assert.deepEqual(reqs.map((r) => [r.ttl, r.agentId?.path]), [[600, undefined], [3600, '/agent/local']]);
    const json = await runCli(['token', 'generate'], ['-output', 'json'], opts);
    assert.equal(json.stdout, '{"expires_at":"600","value":"tok-123"}\n');
  });
});
