import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { describe, it } from 'node:test';
import { types } from '@tspire/proto';
import { SpiffeBundle, TrustDomain } from '@tspire/spiffe';
import { fakeEntry, TD } from './fake-server-client.test-helper.js';
import { IdentityCache, cachedEntryFrom, type CachedEntry } from './identity-cache.js';

function entry(id: string, path: string, selectors: string[], jti = false): CachedEntry {
  return cachedEntryFrom(fakeEntry(id, path, selectors, 1n, jti))!;
}

function cache(now = { ms: 0 }, minted: string[][] = []): IdentityCache {
  return new IdentityCache({
    bundle: new SpiffeBundle(TD),
    nowMs: () => now.ms,
    jwtSvidCacheMaxSize: 2,
    mintJwtSvid: async (entryId, audience) => {
      minted.push([entryId, ...audience]);
      return create(types.JWTSVIDSchema, { token: `t${minted.length}`, issuedAt: BigInt(now.ms / 1000), expiresAt: BigInt(now.ms / 1000 + 100) });
    },
  });
}

describe('IdentityCache', () => {
  it('an entry matches when all its selectors are among the workload selectors', () => {
    const c = cache();
    c.update((w) => w.setEntries([entry('a', '/a', ['uid:1']), entry('b', '/b', ['uid:1', 'gid:2']), entry('none', '/none', [])]));
    const sel = (...values: string[]) => values.map((value) => ({ type: 'unix', value }));
    assert.deepEqual(c.matchingIdentities(sel('uid:1')).identities.map((i) => i.entryId), ['a']);
    assert.deepEqual(c.matchingIdentities(sel('uid:1', 'gid:2', 'x:y')).identities.map((i) => i.entryId), ['a', 'b']);
    assert.deepEqual(c.matchingIdentities(sel('gid:2')).identities, []);
    assert.deepEqual(c.matchingIdentities([{ type: 'docker', value: 'uid:1' }]).identities, []);
  });

  it('skips entries with an invalid SPIFFE ID and bad federated trust domains', () => {
    const bad = create(types.EntrySchema, { id: 'x', spiffeId: { trustDomain: 'Bad TD', path: '/x' }, selectors: [{ type: 'unix', value: 'uid:1' }] });
    assert.equal(cachedEntryFrom(bad), undefined);
    const fed = fakeEntry('f', '/f');
    fed.federatesWith = ['other.org', 'not a td'];
    assert.deepEqual(cachedEntryFrom(fed)!.federatesWith.map((td) => td.name), ['other.org']);
  });

  it('notifies subscribers once per change and not after unsubscribing; equal bundles are no change', () => {
    const c = cache();
    let calls = 0;
    const unsubscribe = c.subscribe([{ type: 'unix', value: 'uid:1' }], () => calls++);
    c.update((w) => {
      w.setEntries([entry('a', '/a', ['uid:1'])]);
      w.setBundle(new SpiffeBundle(TD));
    });
    assert.equal(calls, 1);
    c.update((w) => w.setBundle(new SpiffeBundle(TD)));
    assert.equal(calls, 1);
    unsubscribe();
    c.update((w) => w.setEntries([]));
    assert.equal(calls, 1);
    assert.equal(c.subscriberCount, 0);
  });

  it('setFederatedBundles replaces the set, notifying only on a change', () => {
    const c = cache();
    let calls = 0;
    c.subscribe([{ type: 'unix', value: 'uid:1' }], () => calls++);
    const other = () => new SpiffeBundle(TrustDomain.parse('other.org'));
    const third = () => new SpiffeBundle(TrustDomain.parse('third.org'));
    c.update((w) => w.setFederatedBundles([other(), third()]));
    assert.equal(calls, 1);
    c.update((w) => w.setFederatedBundles([third(), other()]));
    assert.equal(calls, 1);
    c.update((w) => w.setFederatedBundles([third()]));
    assert.equal(calls, 2);
    assert.deepEqual([...c.federatedBundles().keys()], ['third.org']);
    assert.deepEqual(c.matchingIdentities([]).federatedBundles.map((b) => b.trustDomain.name), ['third.org']);
    c.update((w) => w.setFederatedBundles([]));
    c.update((w) => w.setFederatedBundles([]));
    assert.equal(calls, 3);
    assert.equal(c.federatedBundles().size, 0);
  });

  it('asks for SVIDs on demand when a subscriber matches an entry without one', () => {
    let requests = 0;
    const c = new IdentityCache({ bundle: new SpiffeBundle(TD), nowMs: () => 0, mintJwtSvid: () => Promise.reject(new Error('no')), onMissingSvid: () => requests++ });
    c.update((w) => w.setEntries([entry('a', '/a', ['uid:1'])]));
    c.subscribe([{ type: 'unix', value: 'uid:9' }], () => {});
    assert.equal(requests, 0);
    c.subscribe([{ type: 'unix', value: 'uid:1' }], () => {});
    assert.equal(requests, 1);
    assert.deepEqual([...c.activeEntryIds()], ['a']);
  });

  it('JWT-SVIDs: one server call for concurrent requests, refreshed at half life, LRU bounded', async () => {
    const now = { ms: 1_000_000 };
    const minted: string[][] = [];
    const c = cache(now, minted);
    c.update((w) => w.setEntries([entry('a', '/a', ['uid:1']), entry('j', '/j', ['uid:2'], true)]));
    const [a] = c.matchingIdentities([{ type: 'unix', value: 'uid:1' }]).identities;
    const signal = new AbortController().signal;
    const [t1, t1again] = await Promise.all([c.fetchJwtSvid(a!, ['x'], signal), c.fetchJwtSvid(a!, ['x'], signal)]);
    assert.equal(t1, t1again);
    assert.equal(minted.length, 1);
    now.ms += 49_000;
    assert.equal(await c.fetchJwtSvid(a!, ['x'], signal), t1);
    now.ms += 1_000;
    assert.notEqual(await c.fetchJwtSvid(a!, ['x'], signal), t1);
    // Bound 2: a third audience evicts the least recently used ('x').
    await c.fetchJwtSvid(a!, ['y'], signal);
    await c.fetchJwtSvid(a!, ['z'], signal);
    const before = minted.length;
    await c.fetchJwtSvid(a!, ['x'], signal);
    assert.equal(minted.length, before + 1);
    const aborted = AbortSignal.abort(new Error('gone'));
    await assert.rejects(c.fetchJwtSvid(a!, ['x'], aborted), /gone/);
    c.update((w) => w.setEntries([]));
    await assert.rejects(c.fetchJwtSvid(a!, ['x'], signal), /no longer authorized/);
  });
});
