// Shared suite: registration entries (create, similar, fetch, list filters and match modes,
// pagination, count, masked update, delete, prune).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimilarEntryError } from '../errors.js';
import type { MatchBehavior, NewRegistrationEntry, RegistrationEntry } from '../types.js';
import { AGENT, TD, rejectsWith, sel, type WithFixture } from './harness.test-helper.js';

const emptyBundle = (td: string) => ({
  trustDomain: td, x509Authorities: [{ der: new Uint8Array([0x30, 1, 2]), tainted: false }],
  jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n,
});

export function entry(path: string, extra: Partial<NewRegistrationEntry> = {}): NewRegistrationEntry {
  return { spiffeId: `${TD}/${path}`, parentId: AGENT, selectors: [sel('unix', `uid:${path}`)], ...extra };
}

export function entrySuite(withFixture: WithFixture): void {
  describe('entries', () => {
    it('creates with a generated UUIDv4 id and defaults, and fetches it back', () => withFixture(async ({ ds, clock }) => {
      const created = await ds.createEntry(entry('web'));
      assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(created.revisionNumber, 0);
      assert.equal(created.createdAt, clock.now());
      assert.deepEqual(await ds.fetchEntry(created.id), created);
      assert.equal(await ds.fetchEntry('missing'), null);
    }));

    it('round-trips every field', () => withFixture(async ({ ds }) => {
      await ds.createBundle(emptyBundle('spiffe://b.org'));
      await ds.createBundle(emptyBundle('a.org'));
      const full: NewRegistrationEntry = {
        id: 'custom.id-1', spiffeId: `${TD}/full`, parentId: `${TD}/spire/server`,
        selectors: [sel('k8s', 'ns:prod'), sel('k8s', 'sa:web'), sel('k8s', 'ns:prod')],
        x509SvidTtl: 3600, jwtSvidTtl: 300, federatesWith: ['spiffe://b.org', 'a.org', 'b.org'], admin: true,
        downstream: true, expiresAt: 1_900_000_000, dnsNames: ['web.example.org', 'alt.example.org'], storeSvid: true,
        hint: 'external', disableX509SvidPrefetch: true, jwtSvidIncludeJti: true,
      };
      const created = await ds.createEntry(full);
      assert.equal(created.id, 'custom.id-1');
      assert.deepEqual(created.selectors, [sel('k8s', 'ns:prod'), sel('k8s', 'sa:web')]);
      assert.deepEqual(created.federatesWith, ['a.org', 'b.org']);
      const fetched = await ds.fetchEntry('custom.id-1');
      assert.deepEqual(fetched, created);
      assert.deepEqual(fetched?.dnsNames, ['web.example.org', 'alt.example.org']);
      assert.equal(fetched?.admin && fetched.downstream && fetched.storeSvid && fetched.disableX509SvidPrefetch && fetched.jwtSvidIncludeJti, true);
    }));

    it('refuses duplicate ids, bad ids and entries without selectors', () => withFixture(async ({ ds }) => {
      await ds.createEntry(entry('a', { id: 'same' }));
      await rejectsWith(ds.createEntry(entry('b', { id: 'same' })), 'ERR_DATASTORE_ALREADY_EXISTS', /"same" already exists/);
      await rejectsWith(ds.createEntry(entry('c', { id: 'has space' })), 'ERR_DATASTORE_INVALID_ARGUMENT');
      await rejectsWith(ds.createEntry(entry('d', { selectors: [] })), 'ERR_DATASTORE_INVALID_ARGUMENT', /selector/);
      await rejectsWith(ds.createEntry(entry('e', { x509SvidTtl: -1 })), 'ERR_DATASTORE_INVALID_ARGUMENT', /x509SvidTtl/);
    }));

    it('refuses a similar entry and carries the existing one', () => withFixture(async ({ ds }) => {
      const first = await ds.createEntry(entry('web', { selectors: [sel('unix', 'uid:1'), sel('unix', 'gid:2')] }));
      await assert.rejects(
        ds.createEntry(entry('web', { selectors: [sel('unix', 'gid:2'), sel('unix', 'uid:1')], admin: true })),
        (err: unknown) => err instanceof SimilarEntryError && err.code === 'ERR_DATASTORE_SIMILAR_ENTRY' &&
          err.existing.id === first.id && err.message === 'similar entry already exists',
      );
      // A different selector set, spiffeId or parent is not similar.
      await ds.createEntry(entry('web', { selectors: [sel('unix', 'uid:1')] }));
      await ds.createEntry(entry('web', { selectors: [sel('unix', 'uid:1'), sel('unix', 'gid:2'), sel('unix', 'gid:3')] }));
      await ds.createEntry(entry('web', { parentId: `${TD}/other`, selectors: [sel('unix', 'uid:1'), sel('unix', 'gid:2')] }));
      const again = await ds.createOrReturnEntry(entry('web', { selectors: [sel('unix', 'uid:1'), sel('unix', 'gid:2')] }));
      assert.equal(again.created, false);
      assert.deepEqual(again.entry, first);
      assert.equal(await ds.countEntries(), 4);
    }));

    it('creates a batch in one transaction, reporting refusals per item', () => withFixture(async ({ ds }) => {
      const existing = await ds.createEntry(entry('old'));
      const results = await ds.createEntries([
        entry('b1', { id: 'b1' }),
        entry('old'),
        entry('b2', { id: 'b1' }),
        entry('b3', { selectors: [] }),
        entry('b1'),
        entry('b4', { federatesWith: ['nowhere.org'] }),
        entry('b5'),
      ]);
      assert.deepEqual(results.map((r) => r.error?.code ?? 'ok'), [
        'ok', 'ERR_DATASTORE_SIMILAR_ENTRY', 'ERR_DATASTORE_ALREADY_EXISTS', 'ERR_DATASTORE_INVALID_ARGUMENT',
        'ERR_DATASTORE_SIMILAR_ENTRY', 'ERR_DATASTORE_FAILED_PRECONDITION', 'ok',
      ]);
      const similar = results[1]?.error;
      assert.ok(similar instanceof SimilarEntryError && similar.existing.id === existing.id);
      assert.equal(await ds.countEntries(), 3);
      assert.deepEqual(await ds.fetchEntry('b1'), results[0]?.entry);
      assert.equal((await ds.listEntryEvents()).length, 3);
      assert.deepEqual(await ds.createEntries([]), []);
    }));

    it('requires a bundle for every federated trust domain', () => withFixture(async ({ ds }) => {
      await rejectsWith(ds.createEntry(entry('fed', { federatesWith: ['other.org'] })),
        'ERR_DATASTORE_FAILED_PRECONDITION', /unable to find federated bundle "spiffe:\/\/other.org"/);
      assert.equal(await ds.countEntries(), 0);
      await ds.createBundle(emptyBundle('other.org'));
      const created = await ds.createEntry(entry('fed', { federatesWith: ['spiffe://other.org'] }));
      assert.deepEqual((await ds.fetchEntry(created.id))?.federatesWith, ['other.org']);
    }));

    it('fetches several entries in request order, skipping unknown ids', () => withFixture(async ({ ds }) => {
      const a = await ds.createEntry(entry('a'));
      const b = await ds.createEntry(entry('b'));
      const got = await ds.fetchEntries([b.id, 'nope', a.id]);
      assert.deepEqual(got.map((e) => e.id), [b.id, a.id]);
      assert.deepEqual(await ds.fetchEntries([]), []);
    }));

    it('filters by spiffeId, parentId, hint and downstream', () => withFixture(async ({ ds }) => {
      const a = await ds.createEntry(entry('a', { hint: 'h1', downstream: true }));
      const b = await ds.createEntry(entry('b', { parentId: `${TD}/node2`, hint: 'h1' }));
      const c = await ds.createEntry(entry('c'));
      const ids = async (filter: object) => (await ds.listEntries({ filter })).entries.map((e) => e.id);
      assert.deepEqual(await ids({ bySpiffeId: `${TD}/b` }), [b.id]);
      assert.deepEqual(await ids({ byParentId: AGENT }), [a.id, c.id]);
      assert.deepEqual(await ids({ byHint: 'h1' }), [a.id, b.id]);
      assert.deepEqual(await ids({ byDownstream: true }), [a.id]);
      assert.deepEqual(await ids({ byDownstream: false }), [a.id, b.id, c.id]);
      assert.deepEqual(await ids({ byParentId: AGENT, byHint: 'h1' }), [a.id]);
      assert.equal(await ds.countEntries({ byHint: 'h1' }), 2);
    }));

    it('matches selectors with exact, subset, superset and any', () => withFixture(async ({ ds }) => {
      const made = [
        await ds.createEntry(entry('A', { selectors: [sel('t', 'a'), sel('t', 'b')] })),
        await ds.createEntry(entry('B', { selectors: [sel('t', 'a')] })),
        await ds.createEntry(entry('C', { selectors: [sel('t', 'a'), sel('t', 'b'), sel('t', 'c')] })),
        await ds.createEntry(entry('D', { selectors: [sel('t', 'd')] })),
      ];
      const name = new Map(made.map((e, i) => [e.id, 'ABCD'[i]]));
      const cases: [string[], MatchBehavior, string[]][] = [
        [['a', 'b'], 'exact', ['A']], [['a', 'b'], 'subset', ['A', 'B']], [['a', 'b'], 'superset', ['A', 'C']],
        [['a', 'b'], 'any', ['A', 'B', 'C']], [['a'], 'exact', ['B']], [['a'], 'subset', ['B']],
        [['a'], 'superset', ['A', 'B', 'C']], [['b', 'd'], 'any', ['A', 'C', 'D']], [['a', 'b', 'c', 'd'], 'subset', ['A', 'B', 'C', 'D']],
        [['x'], 'any', []], [['b', 'b'], 'superset', ['A', 'C']],
      ];
      for (const [values, match, expected] of cases) {
        const filter = { bySelectors: { selectors: values.map((v) => sel('t', v)), match } };
        const got = (await ds.listEntries({ filter })).entries.map((e) => name.get(e.id));
        assert.deepEqual(got, expected, `${match} {${values.join(',')}}`);
        assert.equal(await ds.countEntries(filter), expected.length, `count ${match} {${values.join(',')}}`);
      }
      await rejectsWith(ds.listEntries({ filter: { bySelectors: { selectors: [], match: 'any' } } }), 'ERR_DATASTORE_INVALID_ARGUMENT', /empty selector set/);
      await rejectsWith(ds.listEntries({ filter: { bySelectors: { selectors: [sel('t', 'a')], match: 'most' as MatchBehavior } } }),
        'ERR_DATASTORE_INVALID_ARGUMENT');
    }));

    it('matches federatesWith with exact, subset, superset and any', () => withFixture(async ({ ds }) => {
      for (const td of ['td1.org', 'td2.org', 'td3.org']) await ds.createBundle(emptyBundle(td));
      const made = [
        await ds.createEntry(entry('E1', { federatesWith: ['td1.org', 'td2.org'] })),
        await ds.createEntry(entry('E2', { federatesWith: ['td1.org'] })),
        await ds.createEntry(entry('E3', { federatesWith: ['td1.org', 'td2.org', 'td3.org'] })),
        await ds.createEntry(entry('E4')),
      ];
      const name = new Map(made.map((e, i) => [e.id, `E${i + 1}`]));
      const cases: [string[], MatchBehavior, string[]][] = [
        [['td1.org', 'spiffe://td2.org'], 'exact', ['E1']], [['td1.org', 'td2.org'], 'subset', ['E1', 'E2']],
        [['td1.org', 'td2.org'], 'superset', ['E1', 'E3']], [['td1.org', 'td2.org'], 'any', ['E1', 'E2', 'E3']],
        [['td3.org'], 'any', ['E3']], [['td3.org'], 'subset', []],
      ];
      for (const [trustDomains, match, expected] of cases) {
        const filter = { byFederatesWith: { trustDomains, match } };
        assert.deepEqual((await ds.listEntries({ filter })).entries.map((e) => name.get(e.id)), expected, `${match} ${trustDomains.join(',')}`);
      }
      await rejectsWith(ds.countEntries({ byFederatesWith: { trustDomains: [], match: 'any' } }), 'ERR_DATASTORE_INVALID_ARGUMENT');
    }));

    it('pages in stable row order with opaque tokens', () => withFixture(async ({ ds }) => {
      const all: RegistrationEntry[] = [];
      for (let i = 0; i < 25; i++) all.push(await ds.createEntry(entry(`p${i}`, { hint: i % 2 === 0 ? 'even' : 'odd' })));
      const seen: string[] = [];
      const sizes: number[] = [];
      let token = '';
      do {
        const page = await ds.listEntries({ pageSize: 10, pageToken: token });
        sizes.push(page.entries.length);
        seen.push(...page.entries.map((e) => e.id));
        token = page.nextPageToken;
      } while (token !== '');
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.deepEqual(seen, all.map((e) => e.id));
      const even = await ds.listEntries({ filter: { byHint: 'even' }, pageSize: 13 });
      assert.equal(even.entries.length, 13);
      assert.equal(even.nextPageToken, '');
      const firstOdd = await ds.listEntries({ filter: { byHint: 'odd' }, pageSize: 5 });
      const restOdd = await ds.listEntries({ filter: { byHint: 'odd' }, pageSize: 50, pageToken: firstOdd.nextPageToken });
      assert.deepEqual([...firstOdd.entries, ...restOdd.entries].map((e) => e.spiffeId), all.filter((_, i) => i % 2 === 1).map((e) => e.spiffeId));
      await rejectsWith(ds.listEntries({ pageSize: 10, pageToken: 'abc' }), 'ERR_DATASTORE_INVALID_ARGUMENT', /page token/);
      await rejectsWith(ds.listEntries({ pageSize: -1 }), 'ERR_DATASTORE_INVALID_ARGUMENT', /page size/);
    }));

    it('updates all fields without a mask and bumps the revision', () => withFixture(async ({ ds, clock }) => {
      await ds.createBundle(emptyBundle('fed.org'));
      const created = await ds.createEntry(entry('u', { dnsNames: ['a.example'] }));
      clock.advance(10);
      const updated = await ds.updateEntry({
        ...created, spiffeId: `${TD}/u2`, selectors: [sel('unix', 'uid:9')], dnsNames: ['b.example'],
        federatesWith: ['fed.org'], admin: true, hint: 'new', revisionNumber: 77, createdAt: 5,
      });
      assert.equal(updated.revisionNumber, 1);
      assert.equal(updated.createdAt, created.createdAt);
      assert.equal(updated.spiffeId, `${TD}/u2`);
      assert.deepEqual(updated.selectors, [sel('unix', 'uid:9')]);
      assert.deepEqual(updated.dnsNames, ['b.example']);
      assert.deepEqual(updated.federatesWith, ['fed.org']);
      assert.deepEqual(await ds.fetchEntry(created.id), updated);
      const again = await ds.updateEntry(updated);
      assert.equal(again.revisionNumber, 2);
    }));

    it('updates only the masked fields', () => withFixture(async ({ ds }) => {
      const created = await ds.createEntry(entry('m', { hint: 'old', dnsNames: ['keep.example'], x509SvidTtl: 60 }));
      const updated = await ds.updateEntry(
        { ...created, hint: 'new', x509SvidTtl: 999, selectors: [sel('x', 'y')], dnsNames: [], admin: true },
        ['hint', 'selectors'],
      );
      assert.equal(updated.hint, 'new');
      assert.deepEqual(updated.selectors, [sel('x', 'y')]);
      assert.equal(updated.x509SvidTtl, 60);
      assert.deepEqual(updated.dnsNames, ['keep.example']);
      assert.equal(updated.admin, false);
      assert.equal(updated.revisionNumber, 1);
      await rejectsWith(ds.updateEntry({ ...created, id: 'nope' }), 'ERR_ENTRY_NOT_FOUND', /entry not found/);
      await rejectsWith(ds.updateEntry(created, ['bogus' as 'hint']), 'ERR_DATASTORE_INVALID_ARGUMENT', /bogus/);
      await rejectsWith(ds.updateEntry({ ...created, selectors: [] }, ['selectors']), 'ERR_DATASTORE_INVALID_ARGUMENT');
    }));

    it('deletes an entry with its selectors and returns it', () => withFixture(async ({ ds }) => {
      const created = await ds.createEntry(entry('d', { selectors: [sel('only', 'this')] }));
      assert.deepEqual(await ds.deleteEntry(created.id), created);
      assert.equal(await ds.fetchEntry(created.id), null);
      assert.equal(await ds.countEntries({ bySelectors: { selectors: [sel('only', 'this')], match: 'any' } }), 0);
      await rejectsWith(ds.deleteEntry(created.id), 'ERR_ENTRY_NOT_FOUND');
      // the same selectors may be registered again
      await ds.createEntry(entry('d', { selectors: [sel('only', 'this')] }));
    }));

    it('prunes entries that expired before the given time', () => withFixture(async ({ ds }) => {
      const never = await ds.createEntry(entry('never'));
      await ds.createEntry(entry('old', { expiresAt: 100 }));
      const later = await ds.createEntry(entry('later', { expiresAt: 300 }));
      assert.equal(await ds.pruneEntries(200), 1);
      assert.deepEqual((await ds.listEntries()).entries.map((e) => e.id), [never.id, later.id]);
      assert.equal(await ds.pruneEntries(200), 0);
    }));
  });
}
