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

    it('records an attestation: creates, then updates the node and replaces its selectors', () => withFixture(async ({ ds }) => {
      const first = node('r', { certSerialNumber: '1', agentVersion: '' });
      const created = await ds.recordNodeAttestation(first, [sel('x509pop', 'a'), sel('x509pop', 'b'), sel('x509pop', 'a')]);
      assert.deepEqual(created, { ...first, selectors: [sel('x509pop', 'a'), sel('x509pop', 'b')] });
      await ds.updateAttestedNode({ ...created, agentVersion: '1.2.3', newCertSerialNumber: '9', newCertNotAfter: 5 }, ['agentVersion', 'newCertSerialNumber', 'newCertNotAfter']);
      const again = await ds.recordNodeAttestation(
        node('r', { attestationType: 'other', certSerialNumber: '2', certNotAfter: 2_100_000_000, canReattest: false, agentVersion: 'ignored' }),
        [sel('other', 'c')],
      );
      const expected = node('r', {
        attestationType: 'other', certSerialNumber: '2', certNotAfter: 2_100_000_000, canReattest: false, agentVersion: '1.2.3',
      });
      assert.deepEqual(again, { ...expected, selectors: [sel('other', 'c')] });
      assert.deepEqual(await ds.fetchAttestedNode(first.spiffeId, { withSelectors: true }), again);
      assert.equal((await ds.listNodeEvents()).filter((e) => e.spiffeId === first.spiffeId).length, 3);
      await rejectsWith(ds.recordNodeAttestation(node('r', { certSerialNumber: '' }), []), 'ERR_DATASTORE_INVALID_ARGUMENT', /serial number/);
    }));

    it('refuses to record an attestation over a banned node, changing nothing', () => withFixture(async ({ ds }) => {
      const banned = await ds.createAttestedNode(node('banned', { certSerialNumber: '', selectors: [sel('x509pop', 'old')] }));
      const events = (await ds.listNodeEvents()).length;
      await rejectsWith(ds.recordNodeAttestation(node('banned', { certSerialNumber: '7' }), [sel('x509pop', 'new')]),
        'ERR_DATASTORE_FAILED_PRECONDITION', /attested node is banned/);
      assert.deepEqual(await ds.fetchAttestedNode(banned.spiffeId, { withSelectors: true }), banned);
      assert.equal((await ds.listNodeEvents()).length, events);
    }));

    it('records an attestation in one transaction: a failed selector insert leaves the node as it was', () => withFixture(async ({ ds, db }) => {
      await db.failInsertWhen('node_selectors', 'value', 'boom');
      await assert.rejects(ds.recordNodeAttestation(node('fresh'), [sel('x509pop', 'ok'), sel('x509pop', 'boom')]), /injected failure/);
      assert.equal(await ds.fetchAttestedNode(node('fresh').spiffeId), null);
      const existing = await ds.createAttestedNode(node('kept', { certSerialNumber: '1', selectors: [sel('x509pop', 'ok')] }));
      await assert.rejects(ds.recordNodeAttestation(node('kept', { certSerialNumber: '2' }), [sel('x509pop', 'boom')]), /injected failure/);
      assert.deepEqual(await ds.fetchAttestedNode(existing.spiffeId, { withSelectors: true }), existing);
      assert.deepEqual((await ds.listNodeEvents()).map((e) => e.spiffeId), [existing.spiffeId]);
    }));

    if (harness.concurrentHandles) {
      it(`lets a ban racing with an attestation win on ${harness.name}`, () => withFixture(async ({ ds, open }) => {
        const other = await open();
        for (let i = 0; i < 10; i++) {
          const n = await ds.createAttestedNode(node(`race-${i}`, { certSerialNumber: '1' }));
          const [recorded] = await Promise.allSettled([
            ds.recordNodeAttestation({ ...n, certSerialNumber: '2' }, [sel('x509pop', 'v')]),
            other.updateAttestedNode({ ...n, certSerialNumber: '' }, ['certSerialNumber']),
          ]);
          const stored = await ds.fetchAttestedNode(n.spiffeId);
          // Either the attestation ran first and the ban overwrote it, or the ban ran first and
          // the attestation was refused: a banned node never comes back.
          assert.equal(stored?.certSerialNumber, '', `race ${i}: ${recorded.status}`);
        }
      }));
    }

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
