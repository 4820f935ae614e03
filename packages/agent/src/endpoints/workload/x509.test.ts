import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { SpiffeBundle, X509Svid } from '@tspire/spiffe';
import { createCa, createIntermediate, createLeaf } from '@tspire/spiffe/testing';
import {
  OTHER_TD,
  TD,
  THIRD_TD,
  UID_1000,
  isStatus,
  readStream,
  spiffeBundleOf,
  withWorkloadApi,
  type WorkloadFixture,
} from './fixture.test-helper.js';
import type { InMemoryEntry } from './in-memory-source.js';

const UID_2000 = [{ type: 'unix', value: 'uid:2000' }];

async function entry(f: WorkloadFixture, entryId: string, path: string, extra: Partial<InMemoryEntry> = {}): Promise<InMemoryEntry> {
  return { entryId, spiffeId: f.spiffeId(path), selectors: UID_1000, svid: await f.svid(path), ...extra };
}

function svidStream(f: WorkloadFixture) {
  return readStream((signal) => f.client().fetchX509SVID({}, { signal }));
}

describe('FetchX509SVID', () => {
  it('sends every SVID of the caller in entry ID order, with chain, PKCS#8 key, bundle and hint', () => withWorkloadApi(async (f) => {
    const intermediate = await createIntermediate(f.own.ca);
    const leaf = await createLeaf(intermediate, { uris: ['spiffe://example.org/b'] });
    const chained = X509Svid.fromParts([leaf.cert, intermediate.cert], leaf.keys.privateKey);
    f.source.setEntry(await entry(f, 'entry-b', '/b', { svid: chained, hint: 'external' }));
    f.source.setEntry(await entry(f, 'entry-a', '/a'));
    f.source.setEntry(await entry(f, 'entry-c', '/c', { selectors: UID_2000 }));
    f.source.setEntry(await entry(f, 'entry-d', '/d', { selectors: [...UID_1000, { type: 'unix', value: 'gid:7' }] }));

    const { svids, federatedBundles, crl } = await svidStream(f).next();
    assert.deepEqual(svids.map((s) => s.spiffeId), ['spiffe://example.org/a', 'spiffe://example.org/b']);
    assert.deepEqual(svids.map((s) => s.hint), ['', 'external']);
    const b = svids[1]!;
    assert.deepEqual(Buffer.from(b.x509Svid), Buffer.concat([leaf.der, intermediate.der]), 'concatenated DER chain, leaf first');
    const key = createPrivateKey({ key: Buffer.from(b.x509SvidKey), format: 'der', type: 'pkcs8' });
    assert.ok(key.equals(leaf.keys.privateKey));
    for (const svid of svids) assert.deepEqual(Buffer.from(svid.bundle), f.own.ca.der);
    assert.ok(X509Svid.parseDer(svids[0]!.x509Svid, svids[0]!.x509SvidKey).id.equals(f.spiffeId('/a')));
    assert.deepEqual(federatedBundles, {});
    assert.deepEqual(crl, []);
  }));

  it('sends federated bundles only of trust domains the matched entries federate with', () => withWorkloadApi(async (f) => {
    // third.org is known to the agent, but only an entry of another workload federates with it;
    // the own trust domain never appears among federated bundles.
    f.source.setEntry(await entry(f, 'a', '/a', { federatesWith: [OTHER_TD, TD] }));
    f.source.setEntry(await entry(f, 'z', '/z', { selectors: UID_2000, federatesWith: [THIRD_TD] }));
    const { federatedBundles } = await svidStream(f).next();
    assert.deepEqual(Object.keys(federatedBundles), ['spiffe://other.org']);
    assert.deepEqual(Buffer.from(federatedBundles['spiffe://other.org']!), f.other.ca.der);
  }));

  it('sends a new message on rotation, entry change and bundle change, and none for unrelated changes', () => withWorkloadApi(async (f) => {
    f.source.setEntry(await entry(f, 'a', '/a'));
    const reader = svidStream(f);
    const first = await reader.next();

    const rotated = await f.svid('/a');
    f.source.setSvid('a', rotated);
    const second = await reader.next();
    assert.deepEqual(Buffer.from(second.svids[0]!.x509Svid), rotated.leaf.raw);
    assert.notDeepEqual(second.svids[0]!.x509Svid, first.svids[0]!.x509Svid);

    // Changes that do not alter this workload's view: no message. The next message must then be
    // the one for the entry added afterwards.
    f.source.setFederatedBundle(spiffeBundleOf(THIRD_TD, f.other));
    f.source.setEntry(await entry(f, 'z', '/z', { selectors: UID_2000 }));
    f.source.setEntry(await entry(f, 'b', '/b'));
    const third = await reader.next();
    assert.deepEqual(third.svids.map((s) => s.spiffeId), ['spiffe://example.org/a', 'spiffe://example.org/b']);

    const newRoot = await createCa({ uris: ['spiffe://example.org'], subject: 'CN=second root' });
    f.source.setBundle(new SpiffeBundle(TD, { x509Authorities: [f.own.ca.cert, newRoot.cert] }));
    const fourth = await reader.next();
    assert.deepEqual(Buffer.from(fourth.svids[1]!.bundle), Buffer.concat([f.own.ca.der, newRoot.der]));

    f.source.setEntry(await entry(f, 'a', '/a', { svid: rotated, federatesWith: [OTHER_TD] }));
    const fifth = await reader.next();
    assert.deepEqual(Object.keys(fifth.federatedBundles), ['spiffe://other.org']);
    reader.cancel();
  }));

  it('sends its first message once every matching entry has a current SVID, later ones as SVIDs arrive', () => withWorkloadApi(async (f) => {
    const { svid: _none, ...pending } = await entry(f, 'a', '/a');
    f.source.setEntry(pending);
    const reader = svidStream(f);
    const firstMessage = reader.next();
    await f.source.whenSubscriberCount(1);
    f.source.setEntry(await entry(f, 'b', '/b'));
    f.source.setSvid('a', await f.svid('/a'));
    const first = await firstMessage;
    // The state at subscription (a pending) produced no message: the first one holds both.
    assert.deepEqual(first.svids.map((s) => s.spiffeId), ['spiffe://example.org/a', 'spiffe://example.org/b']);

    // Later, an entry whose SVID is on its way does not hold back a rotation; it joins when ready.
    const { svid: _none2, ...pendingFirst } = await entry(f, '0', '/zero');
    f.source.setEntry(pendingFirst);
    const rotated = await f.svid('/b');
    f.source.setSvid('b', rotated);
    const second = await reader.next();
    assert.deepEqual(second.svids.map((s) => s.spiffeId), ['spiffe://example.org/a', 'spiffe://example.org/b']);
    assert.deepEqual(Buffer.from(second.svids[1]!.x509Svid), rotated.leaf.raw);
    f.source.setSvid('0', await f.svid('/zero'));
    const third = await reader.next();
    assert.deepEqual(third.svids.map((s) => s.spiffeId), ['spiffe://example.org/zero', 'spiffe://example.org/a', 'spiffe://example.org/b']);
    reader.cancel();
  }));

  it('answers PERMISSION_DENIED without identity, and ends the stream when the last identity goes', () => withWorkloadApi(async (f) => {
    const denied = isStatus(Code.PermissionDenied, 'no identity issued');
    assert.ok(denied(await svidStream(f).error()));
    assert.equal(f.logger.find('No identity issued')[0]?.fields['selectors']?.toString(), 'unix:uid:1000');

    f.source.setEntry(await entry(f, 'a', '/a'));
    const reader = svidStream(f);
    await reader.next();
    f.source.removeEntry('a');
    assert.ok(denied(await reader.error()));
    await f.source.whenSubscriberCount(0);
  }));

  it('unsubscribes when the client cancels, without logging an error', () => withWorkloadApi(async (f) => {
    f.source.setEntry(await entry(f, 'a', '/a'));
    const reader = svidStream(f);
    await reader.next();
    assert.equal(f.source.subscriberCount, 1);
    reader.cancel();
    await f.source.whenSubscriberCount(0);
    assert.deepEqual(f.logger.entries.filter((e) => e.level === 'error'), []);
  }));
});

describe('FetchX509Bundles', () => {
  it('streams the own bundle and the federated bundles of the caller entries, again on change', () => withWorkloadApi(async (f) => {
    f.source.setEntry(await entry(f, 'a', '/a', { federatesWith: [OTHER_TD] }));
    const reader = readStream((signal) => f.client().fetchX509Bundles({}, { signal }));
    const first = await reader.next();
    assert.deepEqual(Object.keys(first.bundles).sort(), ['spiffe://example.org', 'spiffe://other.org']);
    assert.deepEqual(Buffer.from(first.bundles['spiffe://example.org']!), f.own.ca.der);
    assert.deepEqual(Buffer.from(first.bundles['spiffe://other.org']!), f.other.ca.der);

    f.source.setSvid('a', await f.svid('/a')); // rotation does not change bundles: no message
    const otherRoot = await createCa({ uris: ['spiffe://other.org'] });
    f.source.setFederatedBundle(new SpiffeBundle(OTHER_TD, { x509Authorities: [otherRoot.cert] }));
    const second = await reader.next();
    assert.deepEqual(Buffer.from(second.bundles['spiffe://other.org']!), otherRoot.der);
    reader.cancel();
  }));

  it('answers PERMISSION_DENIED to a caller without identity', () => withWorkloadApi(async (f) => {
    const reader = readStream((signal) => f.client().fetchX509Bundles({}, { signal }));
    assert.ok(isStatus(Code.PermissionDenied, 'no identity issued')(await reader.error()));
  }));

  it('serves the own bundle to a caller without identity with allowUnauthenticatedVerifiers', () => withWorkloadApi(async (f) => {
    f.source.setEntry(await entry(f, 'z', '/z', { selectors: UID_2000, federatesWith: [OTHER_TD] }));
    const reader = readStream((signal) => f.client().fetchX509Bundles({}, { signal }));
    const { bundles } = await reader.next();
    assert.deepEqual(Object.keys(bundles), ['spiffe://example.org']);
    reader.cancel();
  }, { allowUnauthenticatedVerifiers: true }));
});
