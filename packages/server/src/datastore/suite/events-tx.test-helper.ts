// Shared suite: change feeds (events written in the same transaction as the change) and
// rollback of half-done writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entry } from './entries.test-helper.js';
import { AGENT, rejectsWith, sel, type WithFixture } from './harness.test-helper.js';

export function eventsAndTransactionsSuite(withFixture: WithFixture): void {
  describe('entry and node events', () => {
    it('appends an entry event for every create, update and delete', () => withFixture(async ({ ds }) => {
      const a = await ds.createEntry(entry('a'));
      const b = await ds.createEntry(entry('b'));
      await ds.updateEntry({ ...a, hint: 'x' }, ['hint']);
      await ds.deleteEntry(b.id);
      const events = await ds.listEntryEvents();
      assert.deepEqual(events.map((e) => e.entryId), [a.id, b.id, a.id, b.id]);
      const ids = events.map((e) => e.eventId);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      assert.equal(new Set(ids).size, 4);
      const [first, second, third] = ids as [number, number, number, number];
      assert.deepEqual((await ds.listEntryEvents({ greaterThanEventId: second })).map((e) => e.eventId), ids.slice(2));
      assert.deepEqual((await ds.listEntryEvents({ greaterThanEventId: first, lessThanEventId: third })).map((e) => e.eventId), [second]);
    }));

    it('prunes events older than the given age', () => withFixture(async ({ ds, clock }) => {
      await ds.createEntry(entry('old'));
      await ds.setNodeSelectors(AGENT, [sel('a', 'b')]);
      clock.advance(3600);
      const fresh = await ds.createEntry(entry('new'));
      await ds.setNodeSelectors(AGENT, [sel('a', 'c')]);
      assert.equal(await ds.pruneEntryEvents(1800), 1);
      assert.deepEqual((await ds.listEntryEvents()).map((e) => e.entryId), [fresh.id]);
      assert.equal(await ds.pruneNodeEvents(1800), 1);
      assert.equal((await ds.listNodeEvents()).length, 1);
    }));

    it('appends node events for node changes', () => withFixture(async ({ ds }) => {
      const node = {
        spiffeId: AGENT, attestationType: 'join_token', certSerialNumber: '1', certNotAfter: 10,
        newCertSerialNumber: '', newCertNotAfter: 0, canReattest: false, agentVersion: '',
      };
      await ds.createAttestedNode(node);
      await ds.updateAttestedNode({ ...node, certSerialNumber: '2' }, ['certSerialNumber']);
      await ds.setNodeSelectors(AGENT, [sel('x', 'y')]);
      await ds.deleteAttestedNode(AGENT);
      const events = await ds.listNodeEvents();
      assert.equal(events.length, 4);
      assert.ok(events.every((e) => e.spiffeId === AGENT));
    }));
  });

  describe('transactions', () => {
    it('leaves no half-written entry when a selector insert fails', () => withFixture(async ({ ds, db }) => {
      await db.failInsertWhen('selectors', 'value', 'boom');
      await assert.rejects(ds.createEntry(entry('x', { selectors: [sel('ok', 'fine'), sel('bad', 'boom')] })), /injected failure/);
      assert.equal(await ds.countEntries(), 0);
      assert.deepEqual(await ds.listEntryEvents(), []);
      const rows = await db.query<{ n: number | string }>('select count(*) as n from selectors');
      assert.equal(Number(rows[0]?.n), 0);
      // the datastore still works afterwards
      await ds.createEntry(entry('y'));
      assert.equal(await ds.countEntries(), 1);
    }));

    it('rolls back a whole batch when a write fails for a non-datastore reason', () => withFixture(async ({ ds, db }) => {
      await db.failInsertWhen('selectors', 'value', 'boom');
      await assert.rejects(ds.createEntries([entry('a'), entry('b', { selectors: [sel('bad', 'boom')] }), entry('c')]), /injected failure/);
      assert.equal(await ds.countEntries(), 0);
      assert.deepEqual(await ds.listEntryEvents(), []);
    }));

    it('keeps the old entry when an update fails half-way', () => withFixture(async ({ ds, db }) => {
      const created = await ds.createEntry(entry('u', { hint: 'before' }));
      await db.failInsertWhen('selectors', 'value', 'boom');
      await assert.rejects(ds.updateEntry({ ...created, hint: 'after', selectors: [sel('bad', 'boom')] }), /injected failure/);
      assert.deepEqual(await ds.fetchEntry(created.id), created);
      assert.equal((await ds.listEntryEvents()).length, 1);
    }));

    it('rolls back the entry when its event cannot be written', () => withFixture(async ({ ds, db }) => {
      await db.failInsertWhen('registered_entries_events', 'entry_id', 'no-event');
      await assert.rejects(ds.createEntry(entry('e', { id: 'no-event' })), /injected failure/);
      assert.equal(await ds.fetchEntry('no-event'), null);
      const node = {
        spiffeId: 'spiffe://example.org/spire/agent/x', attestationType: 'x', certSerialNumber: '1', certNotAfter: 1,
        newCertSerialNumber: '', newCertNotAfter: 0, canReattest: true, agentVersion: '',
      };
      await db.failInsertWhen('attested_node_events', 'spiffe_id', node.spiffeId);
      await assert.rejects(ds.createAttestedNode({ ...node, selectors: [sel('a', 'b')] }), /injected failure/);
      assert.equal(await ds.fetchAttestedNode(node.spiffeId), null);
      assert.deepEqual(await ds.getNodeSelectors(node.spiffeId), []);
    }));

    it('rolls back a bundle delete whose entry deletion fails', () => withFixture(async ({ ds, db }) => {
      await ds.createBundle({ trustDomain: 'fed.org', x509Authorities: [{ der: new Uint8Array([1]), tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n });
      const e = await ds.createEntry(entry('f', { id: 'fed-entry', federatesWith: ['fed.org'] }));
      await db.failInsertWhen('registered_entries_events', 'entry_id', 'fed-entry');
      await assert.rejects(ds.deleteBundle('fed.org', 'delete'), /injected failure/);
      assert.deepEqual(await ds.fetchEntry(e.id), e);
      assert.notEqual(await ds.fetchBundle('fed.org'), null);
      await rejectsWith(ds.deleteBundle('fed.org', 'restrict'), 'ERR_DATASTORE_FAILED_PRECONDITION');
    }));
  });
}
