import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpiffeBundle, SpiffeId, TrustDomain } from '@tspire/spiffe';
import { InMemoryIdentitySource } from './in-memory-source.js';

const TD = TrustDomain.parse('example.org');
const sel = (type: string, value: string) => ({ type, value });

describe('InMemoryIdentitySource', () => {
  it('matches an entry when all its selectors are among the workload selectors', () => {
    const source = new InMemoryIdentitySource({ bundle: new SpiffeBundle(TD) });
    const add = (entryId: string, selectors: { type: string; value: string }[]) =>
      source.setEntry({ entryId, spiffeId: SpiffeId.fromPath(TD, `/${entryId}`), selectors });
    add('uid', [sel('unix', 'uid:1000')]);
    add('uid-and-gid', [sel('unix', 'uid:1000'), sel('unix', 'gid:50')]);
    add('other-uid', [sel('unix', 'uid:0')]);
    add('no-selectors', []);
    add('colon', [sel('unix:uid', '1000')]);
    const ids = (selectors: { type: string; value: string }[]) => source.matchingIdentities(selectors).identities.map((i) => i.entryId).sort();
    assert.deepEqual(ids([sel('unix', 'uid:1000')]), ['uid']);
    assert.deepEqual(ids([sel('unix', 'uid:1000'), sel('unix', 'gid:50'), sel('docker', 'label:x:y')]), ['uid', 'uid-and-gid']);
    assert.deepEqual(ids([]), []);
  });

  it('notifies subscribers of every change until they unsubscribe', async () => {
    const source = new InMemoryIdentitySource({ bundle: new SpiffeBundle(TD) });
    let calls = 0;
    const unsubscribe = source.subscribe([], () => calls++);
    source.setEntry({ entryId: 'a', spiffeId: SpiffeId.fromPath(TD, '/a'), selectors: [sel('unix', 'uid:1')] });
    source.setBundle(new SpiffeBundle(TD));
    source.removeEntry('a');
    source.removeEntry('a'); // nothing removed: no notification
    assert.equal(calls, 3);
    const none = source.whenSubscriberCount(0);
    unsubscribe();
    await none;
    source.setBundle(new SpiffeBundle(TD));
    assert.equal(calls, 3);
  });
});
