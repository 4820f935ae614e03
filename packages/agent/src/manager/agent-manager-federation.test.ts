import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { createCa, type Issued } from '@tspire/spiffe/testing';
import { composeJwtBundlesResponse, composeX509BundlesResponse, composeX509SvidResponse } from '../endpoints/workload/responses.js';
import { fakeEntry } from './fake-server-client.test-helper.js';
import { managerFixture, UID_1000, type ManagerFixture } from './manager-fixture.test-helper.js';

const UID_2000 = [{ type: 'unix', value: 'uid:2000' }] as const;
let f: ManagerFixture;
let other: Issued;
before(async () => {
  other = await createCa({ uris: ['spiffe://other.org'], subject: 'CN=other.org CA' });
});
beforeEach(async () => {
  f = await managerFixture();
});
afterEach(() => f.cleanup());

/** Trust domain IDs in a Workload API bundle map. */
const keys = (map: Record<string, Uint8Array>): string[] => Object.keys(map).sort();

describe('agent manager: federated bundles', () => {
  it('serves the bundles the caller federates with, and drops them when the entry stops federating', async () => {
    f.fake.federatedBundles.set('other.org', [other.der]);
    f.fake.entries.set('e1', fakeEntry('e1', '/web', ['uid:1000'], 1n, false, ['spiffe://other.org']));
    f.fake.entries.set('e2', fakeEntry('e2', '/db', ['uid:2000']));
    const manager = f.manager();
    await manager.start();
    const cache = manager.identities;
    assert.deepEqual([...cache.federatedBundles().keys()], ['other.org']);

    const web = cache.matchingIdentities(UID_1000);
    const svidResponse = composeX509SvidResponse(web, { waitForAll: true });
    assert.deepEqual(keys(svidResponse!.federatedBundles), ['spiffe://other.org']);
    assert.deepEqual(Buffer.from(svidResponse!.federatedBundles['spiffe://other.org']!), other.der);
    assert.deepEqual(keys(composeX509BundlesResponse(web).bundles), ['spiffe://example.org', 'spiffe://other.org']);
    // other.org has no JWT authority: the JWT bundle map holds the own trust domain only.
    assert.deepEqual(keys(composeJwtBundlesResponse(web).bundles), ['spiffe://example.org']);
    // A workload whose entries do not federate never sees the bundle.
    const db = cache.matchingIdentities(UID_2000);
    assert.deepEqual(keys(composeX509SvidResponse(db, { waitForAll: true })!.federatedBundles), []);
    assert.deepEqual(keys(composeX509BundlesResponse(db).bundles), ['spiffe://example.org']);

    let notified = 0;
    cache.subscribe(UID_1000, () => notified++);
    f.fake.entries.set('e1', fakeEntry('e1', '/web', ['uid:1000'], 2n));
    await f.tick(5_000, manager);
    assert.ok(notified > 0);
    assert.deepEqual([...cache.federatedBundles().keys()], []);
    assert.deepEqual(keys(composeX509BundlesResponse(cache.matchingIdentities(UID_1000)).bundles), ['spiffe://example.org']);
    const calls = f.fake.count('getFederatedBundle');
    await f.tick(5_000, manager);
    assert.equal(f.fake.count('getFederatedBundle'), calls, 'no entry federates: nothing is fetched');
  });

  it('a bundle deleted on the server disappears; the sync goes on and logs once', async () => {
    f.fake.federatedBundles.set('other.org', [other.der]);
    f.fake.entries.set('e1', fakeEntry('e1', '/web', ['uid:1000'], 1n, false, ['spiffe://other.org']));
    const manager = f.manager();
    await manager.start();
    assert.equal(manager.identities.federatedBundles().size, 1);

    f.fake.federatedBundles.delete('other.org');
    await f.tick(5_000, manager);
    await f.tick(5_000, manager);
    assert.equal(manager.identities.federatedBundles().size, 0);
    assert.equal(f.logger.find('Federated bundle not found').length, 1);
    assert.equal(f.logger.find('Synchronization with the server failed').length, 0);

    // Entries still sync: a new entry gets its SVID although the bundle is missing.
    f.fake.entries.set('e3', fakeEntry('e3', '/api', ['uid:1000'], 1n, false, ['spiffe://other.org']));
    await f.tick(5_000, manager);
    assert.equal(manager.identities.svid('e3')?.id.toString(), 'spiffe://example.org/api');

    f.fake.federatedBundles.set('other.org', [other.der]);
    await f.tick(5_000, manager);
    assert.ok(manager.identities.federatedBundles().get('other.org')?.hasX509Authority(other.cert));
  });

  it('keeps the cached bundles when fetching one fails otherwise, and says so once', async () => {
    f.fake.federatedBundles.set('other.org', [other.der]);
    f.fake.entries.set('e1', fakeEntry('e1', '/web', ['uid:1000'], 1n, false, ['spiffe://other.org']));
    const manager = f.manager();
    await manager.start();
    f.fake.federatedFailures.add('other.org');
    await f.tick(5_000, manager);
    await f.tick(10_000, manager);
    assert.equal(manager.identities.federatedBundles().size, 1);
    assert.equal(f.logger.find('Synchronization with the server failed').length, 1);
  });
});
