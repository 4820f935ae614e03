import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { X509Svid } from '@tspire/spiffe';
import { createCa } from '@tspire/spiffe/testing';
import { AGENT_STATE_FILE } from './agent-state.js';
import { fakeEntry } from './fake-server-client.test-helper.js';
import { managerFixture, UID_1000, type ManagerFixture } from './manager-fixture.test-helper.js';

const HOUR = 3_600_000;
let f: ManagerFixture;
beforeEach(async () => {
  f = await managerFixture();
});
afterEach(() => f.cleanup());

function spki(svid: X509Svid | undefined): string {
  assert.ok(svid !== undefined, 'expected an SVID');
  return createPublicKey(svid.privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
}

describe('agent manager: sync', () => {
  it('adds, removes and re-issues SVIDs with a fresh key each time, notifying subscribers', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    const manager = f.manager();
    await manager.start();
    const cache = manager.identities;
    let notified = 0;
    cache.subscribe(UID_1000, () => notified++);
    const first = cache.svid('e1');
    assert.equal(first?.id.toString(), 'spiffe://example.org/web');
    assert.deepEqual(f.fake.csrKeys.get('e1'), [spki(first)]);

    // Unchanged entry, before half life: nothing is minted, nobody is notified.
    await f.tick(5_000, manager);
    assert.equal(f.fake.count('batchNewX509Svid'), 1);
    assert.equal(notified, 0);

    f.fake.entries.set('e2', fakeEntry('e2', '/db'));
    await f.tick(5_000, manager);
    assert.ok(notified > 0);
    assert.deepEqual(cache.matchingIdentities(UID_1000).identities.map((i) => i.svid?.id.toString()).sort(), ['spiffe://example.org/db', 'spiffe://example.org/web']);
    assert.equal(cache.svid('e1'), first);

    // A new revision (renamed entry) gets a new SVID for a new key.
    f.fake.entries.set('e1', fakeEntry('e1', '/web2', ['uid:1000'], 2n));
    await f.tick(5_000, manager);
    const renamed = cache.svid('e1');
    assert.equal(renamed?.id.toString(), 'spiffe://example.org/web2');
    assert.notEqual(spki(renamed), spki(first));

    f.fake.entries.delete('e2');
    notified = 0;
    await f.tick(5_000, manager);
    assert.equal(cache.svid('e2'), undefined);
    assert.deepEqual(cache.matchingIdentities(UID_1000).identities.map((i) => i.entryId), ['e1']);
    assert.ok(notified > 0);
  });

  it('rotates SVIDs at half life with a fresh key', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    f.fake.svidTtlMs = 10 * 60_000;
    f.fake.agentTtlMs = 10 * HOUR;
    const manager = f.manager();
    await manager.start();
    const first = manager.identities.svid('e1');
    await f.tick(4 * 60_000, manager);
    assert.equal(manager.identities.svid('e1'), first);
    await f.tick(60_000, manager);
    await f.tick(5_000, manager);
    const second = manager.identities.svid('e1');
    assert.notEqual(second, first);
    assert.ok(second!.expiresAt > first!.expiresAt);
    const keys = f.fake.csrKeys.get('e1')!;
    assert.equal(keys.length, 2);
    assert.notEqual(keys[0], keys[1]);
  });

  it('keeps serving cached SVIDs while the server is down, backs off, logs once per state change', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    const manager = f.manager();
    await manager.start();
    const svid = manager.identities.svid('e1');
    f.fake.down = true;
    await f.tick(5_000, manager);
    assert.equal(f.clock.nextDueMs()! - f.clock.nowMs(), 10_000);
    await f.tick(10_000, manager);
    assert.equal(f.clock.nextDueMs()! - f.clock.nowMs(), 20_000);
    await f.tick(20_000, manager);
    assert.equal(f.logger.find('Synchronization with the server failed').length, 1);
    assert.equal(manager.identities.matchingIdentities(UID_1000).identities[0]?.svid, svid);
    f.fake.down = false;
    await f.tick(40_000, manager);
    assert.equal(f.logger.find('Synchronization with the server restored').length, 1);
    assert.equal(f.clock.nextDueMs()! - f.clock.nowMs(), 5_000);
  });

  it('exposes the agent SVID chain, the last successful sync and the cache sizes (Debug.GetInfo)', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    const manager = f.manager();
    const chain = (): readonly Uint8Array[] | undefined => manager.agentSvidChainDer;
    assert.equal(chain(), undefined);
    assert.equal(manager.lastSyncSuccessMs, undefined);
    await manager.start();
    assert.ok((chain()?.length ?? 0) >= 1);
    const firstSync = f.clock.nowMs();
    assert.equal(manager.lastSyncSuccessMs, firstSync);
    assert.deepEqual([manager.identities.x509SvidCount, manager.identities.jwtSvidCount], [1, 0]);
    const [web] = manager.identities.matchingIdentities(UID_1000).identities;
    await manager.identities.fetchJwtSvid(web!, ['a'], new AbortController().signal);
    assert.equal(manager.identities.jwtSvidCount, 1);
    f.fake.down = true;
    await f.tick(5_000, manager);
    assert.equal(manager.lastSyncSuccessMs, firstSync);
    f.fake.down = false;
    await f.tick(10_000, manager);
    assert.equal(manager.lastSyncSuccessMs, f.clock.nowMs());
  });

  it('stops serving an SVID once it expired during an outage', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    const manager = f.manager();
    await manager.start();
    f.fake.down = true;
    await f.tick(HOUR - 60_000, manager);
    assert.ok(manager.identities.matchingIdentities(UID_1000).identities[0]?.svid !== undefined);
    await f.tick(2 * 60_000, manager);
    assert.equal(manager.identities.matchingIdentities(UID_1000).identities[0]?.svid, undefined);
  });

  it('follows bundle changes: workloads and agent-data.json get the new roots', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    const manager = f.manager();
    await manager.start();
    const extra = await createCa({ uris: ['spiffe://example.org'], subject: 'CN=next CA' });
    f.fake.extraAuthorities.push(extra.der);
    let notified = 0;
    manager.identities.subscribe(UID_1000, () => notified++);
    await f.tick(5_000, manager);
    assert.ok(manager.identities.matchingIdentities(UID_1000).bundle.hasX509Authority(extra.cert));
    assert.equal(notified, 1);
    const state = JSON.parse(await readFile(join(f.dir, AGENT_STATE_FILE), 'utf8')) as { bundle: string[] };
    assert.deepEqual(state.bundle, [f.fake.ca.der.toString('base64'), extra.der.toString('base64')]);
    assert.ok(f.fake.connections.at(-1)!.trustBundle?.hasX509Authority(extra.cert));
  });

  it('sends at most 500 CSRs per BatchNewX509SVID and keeps going after item failures', async () => {
    f.fake.mintFails = true;
    for (let i = 0; i < 501; i++) f.fake.entries.set(`e${i}`, fakeEntry(`e${i}`, `/w${i}`));
    const manager = f.manager();
    await manager.start();
    assert.deepEqual(f.fake.batchSizes, [500, 1]);
    assert.equal(manager.identities.entries().size, 501);
    assert.equal(manager.identities.svid('e0'), undefined);
    // Failed items are asked for again at the next sync.
    await f.tick(5_000, manager);
    assert.deepEqual(f.fake.batchSizes, [500, 1, 500, 1]);
  });

  it('bounds cached SVIDs (LRU) but mints on demand for a connected workload', async () => {
    for (const n of [1, 2, 3, 4]) f.fake.entries.set(`e${n}`, fakeEntry(`e${n}`, `/w${n}`, [`uid:${n}`]));
    const manager = f.manager({ x509SvidCacheMaxSize: 2 });
    await manager.start();
    const cache = manager.identities;
    const held = (): string[] => ['e1', 'e2', 'e3', 'e4'].filter((id) => cache.svid(id) !== undefined);
    assert.deepEqual(held(), ['e1', 'e2']);
    cache.subscribe([{ type: 'unix', value: 'uid:4' }], () => {});
    await f.tick(0, manager);
    assert.deepEqual(held(), ['e1', 'e4']);
    // e3 used most recently (a fetch) wins over e1 once e3 has a slot.
    cache.matchingIdentities([{ type: 'unix', value: 'uid:3' }]);
    await f.tick(5_000, manager);
    assert.deepEqual(held(), ['e3', 'e4']);
  });
});

describe('agent manager: JWT-SVIDs', () => {
  it('caches per (SPIFFE ID, sorted audience) until half life; jti entries are always fresh', async () => {
    f.fake.entries.set('e1', fakeEntry('e1', '/web'));
    f.fake.entries.set('e2', fakeEntry('e2', '/jti', ['uid:2'], 1n, true));
    const manager = f.manager();
    await manager.start();
    const cache = manager.identities;
    const [web] = cache.matchingIdentities(UID_1000).identities;
    const [jti] = cache.matchingIdentities([{ type: 'unix', value: 'uid:2' }]).identities;
    const signal = new AbortController().signal;
    const t1 = await cache.fetchJwtSvid(web!, ['a', 'b'], signal);
    assert.equal(await cache.fetchJwtSvid(web!, ['b', 'a'], signal), t1);
    const other = await cache.fetchJwtSvid(web!, ['c'], signal);
    assert.notEqual(other, t1);
    assert.equal(f.fake.count('newJwtSvid'), 2);
    f.clock.advance(150_000);
    const t2 = await cache.fetchJwtSvid(web!, ['a', 'b'], signal);
    assert.notEqual(t2, t1);
    assert.notEqual(await cache.fetchJwtSvid(jti!, ['a'], signal), await cache.fetchJwtSvid(jti!, ['a'], signal));
    assert.equal(f.fake.count('newJwtSvid'), 5);
  });
});
