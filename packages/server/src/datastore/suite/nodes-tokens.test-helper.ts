// Shared suite: attested nodes, node selectors, join tokens (including the consume race).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttestedNode, MatchBehavior } from '../types.js';
import { TD, rejectsWith, sel, type BackendHarness, type WithFixture } from './harness.test-helper.js';

export function node(name: string, extra: Partial<AttestedNode> = {}): AttestedNode {
  return {
    spiffeId: `${TD}/spire/agent/x509pop/${name}`, attestationType: 'x509pop', certSerialNumber: '1000',
    certNotAfter: 2_000_000_000, newCertSerialNumber: '', newCertNotAfter: 0, canReattest: true,
    agentVersion: '1.15.3', ...extra,
  };
}

export function nodesAndTokensSuite(harness: BackendHarness, withFixture: WithFixture): void {
  describe('attested nodes', () => {
    it('creates, fetches (with selectors on request) and refuses duplicates', () => withFixture(async ({ ds }) => {
      const n = node('a', { selectors: [sel('x509pop', 'subject:cn:a'), sel('x509pop', 'subject:cn:a')] });
      const created = await ds.createAttestedNode(n);
      assert.deepEqual(created.selectors, [sel('x509pop', 'subject:cn:a')]);
      const { selectors: _ignored, ...plain } = created;
      assert.deepEqual(await ds.fetchAttestedNode(n.spiffeId), plain);
      assert.deepEqual(await ds.fetchAttestedNode(n.spiffeId, { withSelectors: true }), created);
      assert.equal(await ds.fetchAttestedNode(`${TD}/nope`), null);
      await rejectsWith(ds.createAttestedNode(node('a')), 'ERR_DATASTORE_ALREADY_EXISTS', /attested node already exists/);
    }));

    it('lists and counts with every filter, paginated', () => withFixture(async ({ ds }) => {
      await ds.createAttestedNode(node('a', { selectors: [sel('s', '1'), sel('s', '2')] }));
      await ds.createAttestedNode(node('b', { attestationType: 'join_token', certSerialNumber: '', selectors: [sel('s', '1')] }));
      await ds.createAttestedNode(node('c', { canReattest: false, certNotAfter: 100, selectors: [sel('s', '3')] }));
      await ds.createAttestedNode(node('d', { certNotAfter: 150 }));
      const names = async (filter: object) =>
        (await ds.listAttestedNodes({ filter })).nodes.map((n) => n.spiffeId.split('/').pop());
      assert.deepEqual(await names({ byAttestationType: 'join_token' }), ['b']);
      assert.deepEqual(await names({ byBanned: true }), ['b']);
      assert.deepEqual(await names({ byBanned: false }), ['a', 'c', 'd']);
      assert.deepEqual(await names({ byCanReattest: false }), ['c']);
      assert.deepEqual(await names({ byExpiresBefore: 200 }), ['c', 'd']);
      const modes: [MatchBehavior, string[]][] = [['exact', ['b']], ['subset', ['b']], ['superset', ['a', 'b']], ['any', ['a', 'b']]];
      for (const [match, expected] of modes) {
        assert.deepEqual(await names({ bySelectorMatch: { selectors: [sel('s', '1')], match } }), expected, match);
      }
      assert.deepEqual(await names({ bySelectorMatch: { selectors: [sel('s', '1'), sel('s', '2'), sel('s', '3')], match: 'subset' } }), ['a', 'b', 'c']);
      assert.equal(await ds.countAttestedNodes(), 4);
      assert.equal(await ds.countAttestedNodes({ byBanned: false, byCanReattest: true }), 2);
      const first = await ds.listAttestedNodes({ pageSize: 3, withSelectors: true });
      assert.equal(first.nodes.length, 3);
      assert.deepEqual(first.nodes[0]?.selectors, [sel('s', '1'), sel('s', '2')]);
      const rest = await ds.listAttestedNodes({ pageSize: 3, pageToken: first.nextPageToken });
      assert.deepEqual(rest.nodes.map((n) => n.spiffeId.split('/').pop()), ['d']);
      assert.equal(rest.nextPageToken, '');
      assert.equal(rest.nodes[0]?.selectors, undefined);
    }));

    it('updates masked fields, bans, and reports unknown nodes', () => withFixture(async ({ ds }) => {
      const n = await ds.createAttestedNode(node('u'));
      const updated = await ds.updateAttestedNode(
        { ...n, newCertSerialNumber: '2000', newCertNotAfter: 2_100_000_000, agentVersion: 'ignored' },
        ['newCertSerialNumber', 'newCertNotAfter'],
      );
      assert.equal(updated.newCertSerialNumber, '2000');
      assert.equal(updated.newCertNotAfter, 2_100_000_000);
      assert.equal(updated.agentVersion, '1.15.3');
      const banned = await ds.updateAttestedNode({ ...updated, certSerialNumber: '', newCertSerialNumber: '' }, ['certSerialNumber', 'newCertSerialNumber']);
      assert.equal(banned.certSerialNumber, '');
      assert.equal(await ds.countAttestedNodes({ byBanned: true }), 1);
      assert.deepEqual(await ds.fetchAttestedNode(n.spiffeId), banned);
      await rejectsWith(ds.updateAttestedNode(node('nope')), 'ERR_DATASTORE_NOT_FOUND', /attested node not found/);
    }));

    it('deletes a node with its selectors', () => withFixture(async ({ ds }) => {
      const n = await ds.createAttestedNode(node('d', { selectors: [sel('a', 'b')] }));
      const deleted = await ds.deleteAttestedNode(n.spiffeId);
      assert.equal(deleted.spiffeId, n.spiffeId);
      assert.equal(await ds.fetchAttestedNode(n.spiffeId), null);
      assert.deepEqual(await ds.getNodeSelectors(n.spiffeId), []);
      await rejectsWith(ds.deleteAttestedNode(n.spiffeId), 'ERR_DATASTORE_NOT_FOUND');
    }));

    it('sets, gets and lists node selectors', () => withFixture(async ({ ds }) => {
      const a = await ds.createAttestedNode(node('a', { certNotAfter: 100 }));
      const b = await ds.createAttestedNode(node('b', { certNotAfter: 300 }));
      await ds.setNodeSelectors(a.spiffeId, [sel('t', '1'), sel('t', '2')]);
      await ds.setNodeSelectors(b.spiffeId, [sel('t', '3')]);
      await ds.setNodeSelectors(a.spiffeId, [sel('t', '2'), sel('t', '4')]);
      assert.deepEqual(await ds.getNodeSelectors(a.spiffeId), [sel('t', '2'), sel('t', '4')]);
      const all = await ds.listNodeSelectors();
      assert.deepEqual(all.get(a.spiffeId), [sel('t', '2'), sel('t', '4')]);
      assert.deepEqual(all.get(b.spiffeId), [sel('t', '3')]);
      assert.deepEqual([...(await ds.listNodeSelectors({ validAt: 200 })).keys()], [b.spiffeId]);
      await ds.setNodeSelectors(a.spiffeId, []);
      assert.deepEqual(await ds.getNodeSelectors(a.spiffeId), []);
    }));

    it('prunes expired nodes, keeping banned and (by default) non-reattestable ones', () => withFixture(async ({ ds }) => {
      await ds.createAttestedNode(node('expired', { certNotAfter: 100, selectors: [sel('a', 'b')] }));
      await ds.createAttestedNode(node('banned', { certNotAfter: 100, certSerialNumber: '' }));
      await ds.createAttestedNode(node('sticky', { certNotAfter: 100, canReattest: false }));
      await ds.createAttestedNode(node('valid', { certNotAfter: 1000 }));
      assert.equal(await ds.pruneAttestedExpiredNodes(500, false), 1);
      assert.deepEqual(await ds.getNodeSelectors(node('expired').spiffeId), []);
      assert.equal(await ds.pruneAttestedExpiredNodes(500, true), 1);
      const left = (await ds.listAttestedNodes()).nodes.map((n) => n.spiffeId.split('/').pop());
      assert.deepEqual(left, ['banned', 'valid']);
    }));
  });

  describe('join tokens', () => {
    it('creates, fetches, deletes and refuses duplicates', () => withFixture(async ({ ds }) => {
      assert.deepEqual(await ds.createJoinToken({ token: 't1', expiresAt: 500 }), { token: 't1', expiresAt: 500 });
      await rejectsWith(ds.createJoinToken({ token: 't1', expiresAt: 600 }), 'ERR_DATASTORE_ALREADY_EXISTS', /join token already exists/);
      assert.deepEqual(await ds.fetchJoinToken('t1'), { token: 't1', expiresAt: 500 });
      await ds.deleteJoinToken('t1');
      assert.equal(await ds.fetchJoinToken('t1'), null);
      await rejectsWith(ds.deleteJoinToken('t1'), 'ERR_DATASTORE_NOT_FOUND', /join token not found/);
      await rejectsWith(ds.createJoinToken({ token: '', expiresAt: 1 }), 'ERR_DATASTORE_INVALID_ARGUMENT');
    }));

    it('consumes a token exactly once', () => withFixture(async ({ ds }) => {
      await ds.createJoinToken({ token: 'once', expiresAt: 500 });
      assert.deepEqual(await ds.consumeJoinToken('once'), { token: 'once', expiresAt: 500 });
      assert.equal(await ds.consumeJoinToken('once'), null);
      assert.equal(await ds.fetchJoinToken('once'), null);
    }));

    it(`gives each token to exactly one of two ${harness.name} handles racing to consume it`, () => withFixture(async ({ ds, open }) => {
      const other = await open();
      const tokens = Array.from({ length: 40 }, (_, i) => `race-${i}`);
      for (const token of tokens) await ds.createJoinToken({ token, expiresAt: 900 });
      const results = await Promise.all(tokens.flatMap((t) => [ds.consumeJoinToken(t), other.consumeJoinToken(t)]));
      for (let i = 0; i < tokens.length; i++) {
        const winners = [results[2 * i], results[2 * i + 1]].filter((r) => r !== null);
        assert.equal(winners.length, 1, `token ${tokens[i]} consumed ${winners.length} times`);
        assert.equal(winners[0]?.token, tokens[i]);
      }
    }));

    it('prunes tokens that expired before the given time', () => withFixture(async ({ ds }) => {
      await ds.createJoinToken({ token: 'old', expiresAt: 100 });
      await ds.createJoinToken({ token: 'new', expiresAt: 300 });
      assert.equal(await ds.pruneJoinTokens(200), 1);
      assert.equal(await ds.fetchJoinToken('old'), null);
      assert.notEqual(await ds.fetchJoinToken('new'), null);
    }));
  });
}
