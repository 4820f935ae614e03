import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { types } from '@tspire/proto';
import type { AttestedNode } from '../../../datastore/types.js';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, id, sel, withApi, type ApiFixture } from '../../testing/fixture.test-helper.js';

const node = (path: string, extra: Partial<AttestedNode> = {}): AttestedNode => ({
  spiffeId: `${TD_ID}${path}`, attestationType: 'x509pop', certSerialNumber: '123', certNotAfter: START_SECONDS + 3600,
  newCertSerialNumber: '', newCertNotAfter: 0, canReattest: true, agentVersion: '1.15.3', ...extra,
});

async function seed(f: ApiFixture): Promise<void> {
  await f.ds.createAttestedNode({ ...node('/spire/agent/x509pop/a'), selectors: [sel('x509pop', 'subject:cn:a'), sel('x509pop', 'ca:fingerprint:1')] });
  await f.ds.createAttestedNode({ ...node('/spire/agent/join_token/t1', { attestationType: 'join_token', canReattest: false, certNotAfter: START_SECONDS + 60 }) });
  await f.ds.createAttestedNode({ ...node('/spire/agent/x509pop/banned', { certSerialNumber: '' }), selectors: [sel('x509pop', 'subject:cn:b')] });
}

describe('Agent service', () => {
  it('counts, lists with filters and pages, gets with masks', () => withApi(async (f) => {
    await seed(f);
    assert.equal((await f.agent.countAgents({})).count, 3);
    const paths = async (filter: Record<string, unknown>) => (await f.agent.listAgents({ filter })).agents.map((a) => a.id?.path).sort();
    assert.deepEqual(await paths({ byAttestationType: 'join_token' }), ['/spire/agent/join_token/t1']);
    assert.deepEqual(await paths({ byBanned: true }), ['/spire/agent/x509pop/banned']);
    assert.deepEqual(await paths({ byBanned: false, byCanReattest: true }), ['/spire/agent/x509pop/a']);
    assert.deepEqual(await paths({ bySelectorMatch: { selectors: [sel('x509pop', 'subject:cn:a')], match: types.SelectorMatch_MatchBehavior.MATCH_SUPERSET } }),
      ['/spire/agent/x509pop/a']);
    // 2023-11-14 22:14:20 UTC = START_SECONDS; +0100 zone means one hour earlier in UTC.
    assert.deepEqual(await paths({ byExpiresBefore: '2023-11-14 23:16:20 +0100 +01' }), ['/spire/agent/join_token/t1']);
    assert.equal((await f.agent.countAgents({ filter: { byExpiresBefore: '2023-11-14 23:16:20 +0000 +00' } })).count, 3);

    const first = await f.agent.listAgents({ pageSize: 2 });
    assert.equal(first.agents.length, 2);
    assert.notEqual(first.nextPageToken, '');
    const second = await f.agent.listAgents({ pageSize: 2, pageToken: first.nextPageToken });
    assert.equal(second.agents.length, 1);

    const a = await f.agent.getAgent({ id: id('/spire/agent/x509pop/a') });
    assert.equal(a.attestationType, 'x509pop');
    assert.equal(a.x509svidSerialNumber, '123');
    assert.equal(a.x509svidExpiresAt, BigInt(START_SECONDS + 3600));
    assert.equal(a.banned, false);
    assert.equal(a.selectors.length, 2);
    const masked = await f.agent.getAgent({ id: id('/spire/agent/x509pop/banned'), outputMask: { banned: true } });
    assert.equal(masked.banned, true);
    assert.equal(masked.attestationType, '');
    assert.deepEqual(masked.selectors, []);
  }));

  it('rejects malformed agent IDs and filters', () => withApi(async (f) => {
    await rejectsWith(f.agent.getAgent({ id: id('/workload') }), Code.InvalidArgument, /^invalid agent ID: .*is not an agent in trust domain "example.org"/);
    await rejectsWith(f.agent.getAgent({ id: id('/spire/agent/x', 'other.org') }), Code.InvalidArgument, /not an agent/);
    await rejectsWith(f.agent.getAgent({ id: id('/spire/agent/%41') }), Code.InvalidArgument, /^invalid agent ID: .*percent-encoding/);
    await rejectsWith(f.agent.getAgent({}), Code.InvalidArgument, /request must specify SPIFFE ID/);
    await rejectsWith(f.agent.listAgents({ filter: { byExpiresBefore: '2023-11-14T23:16:20Z' } }), Code.InvalidArgument,
      /^failed to build request filter: malformed by_expires_before filter: .*"2006-01-02 15:04:05 -0700 -07"/);
    await rejectsWith(f.agent.countAgents({ filter: { bySelectorMatch: { selectors: [] } } }), Code.InvalidArgument, /empty selector set/);
    await rejectsWith(f.agent.getAgent({ id: id('/spire/agent/x509pop/none') }), Code.NotFound, /^agent not found$/);
  }));

  it('bans an agent (record kept, serials cleared) and deletes one', () => withApi(async (f) => {
    await seed(f);
    await f.agent.banAgent({ id: id('/spire/agent/x509pop/a') });
    const banned = await f.ds.fetchAttestedNode(`${TD_ID}/spire/agent/x509pop/a`);
    assert.equal(banned?.certSerialNumber, '');
    assert.equal((await f.agent.getAgent({ id: id('/spire/agent/x509pop/a') })).banned, true);
    await rejectsWith(f.agent.banAgent({ id: id('/spire/agent/x509pop/zzz') }), Code.NotFound, /^agent not found$/);

    await f.agent.deleteAgent({ id: id('/spire/agent/x509pop/a') });
    assert.equal(await f.ds.fetchAttestedNode(`${TD_ID}/spire/agent/x509pop/a`), null);
    assert.deepEqual(await f.ds.getNodeSelectors(`${TD_ID}/spire/agent/x509pop/a`), []);
    await rejectsWith(f.agent.deleteAgent({ id: id('/spire/agent/x509pop/a') }), Code.NotFound, /^agent not found$/);
    assert.equal(await f.ds.countAttestedNodes(), 2);
  }));

  it('creates join tokens: UUID default, custom value, alias entry, expiry from the clock', () => withApi(async (f) => {
    const plain = await f.agent.createJoinToken({ ttl: 600 });
    assert.equal(plain.value, '11111111-2222-4333-8444-555555555555');
    assert.equal(plain.expiresAt, BigInt(START_SECONDS + 600));
    assert.deepEqual(await f.ds.fetchJoinToken(plain.value), { token: plain.value, expiresAt: START_SECONDS + 600 });
    assert.equal(await f.ds.countEntries(), 0);

    const custom = await f.agent.createJoinToken({ ttl: 60, token: 'my-token', agentId: id('/node/db') });
    assert.equal(custom.value, 'my-token');
    const { entries } = await f.ds.listEntries();
    assert.equal(entries.length, 1);
    const tokenAgent = `${TD_ID}/spire/agent/join_token/my-token`;
    assert.equal(entries[0]?.parentId, tokenAgent);
    assert.equal(entries[0]?.spiffeId, `${TD_ID}/node/db`);
    assert.deepEqual(entries[0]?.selectors, [{ type: 'spiffe_id', value: tokenAgent }]);

    // DeleteAgent of the join-token agent also removes its alias entry (§3.3).
    await f.ds.createAttestedNode(node('/spire/agent/join_token/my-token', { attestationType: 'join_token' }));
    await f.agent.deleteAgent({ id: id('/spire/agent/join_token/my-token') });
    assert.equal(await f.ds.countEntries(), 0);
  }, { uuids: ['11111111-2222-4333-8444-555555555555'] }));

  it('rejects bad join token requests and leaves the datastore unchanged', () => withApi(async (f) => {
    await rejectsWith(f.agent.createJoinToken({ ttl: 0 }), Code.InvalidArgument, /^ttl is required, you must provide one$/);
    await rejectsWith(f.agent.createJoinToken({ ttl: -3 }), Code.InvalidArgument, /ttl is required/);
    await rejectsWith(f.agent.createJoinToken({ ttl: 60, token: 'a/b' }), Code.InvalidArgument, /^invalid join token: /);
    await rejectsWith(f.agent.createJoinToken({ ttl: 60, agentId: id('/x', 'other.org') }), Code.InvalidArgument, /^invalid agent ID: .*not a member/);
    await rejectsWith(f.agent.createJoinToken({ ttl: 60, agentId: id('/spire/agent/x') }), Code.InvalidArgument, /^invalid agent ID: .*reserved/);
    assert.equal(await f.ds.pruneJoinTokens(Number.MAX_SAFE_INTEGER), 0, 'no token was stored');
    assert.equal(await f.ds.countEntries(), 0);
    await f.agent.createJoinToken({ ttl: 60, token: 'dup' });
    await rejectsWith(f.agent.createJoinToken({ ttl: 60, token: 'dup' }), Code.AlreadyExists, /^failed to create token: /);
  }));

  it('agent-facing RPCs are denied to local callers', () => withApi(async (f) => {
    await rejectsWith(f.agent.renewAgent({}), Code.PermissionDenied, /authorization denied for method \/spire.api.server.agent.v1.Agent\/RenewAgent/);
  }));
});
