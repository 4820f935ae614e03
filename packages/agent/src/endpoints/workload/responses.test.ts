import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '@tspire/spiffe';
import { createCa, createLeaf, keyPairFor, type Issued } from '@tspire/spiffe/testing';
import type { WorkloadIdentity, WorkloadUpdate } from './identity-source.js';
import {
  composeJwtBundlesResponse,
  composeX509BundlesResponse,
  composeX509SvidResponse,
  federatedBundlesFor,
  sortedIdentities,
} from './responses.js';

const TD = TrustDomain.parse('example.org');
const A = TrustDomain.parse('a.org');
const B = TrustDomain.parse('b.org');
const C = TrustDomain.parse('c.org');

async function svidFor(ca: Issued, id: string): Promise<X509Svid> {
  const leaf = await createLeaf(ca, { uris: [id] });
  return X509Svid.fromParts([leaf.cert], leaf.keys.privateKey);
}

function identity(entryId: string, path: string, svid: X509Svid | undefined, federatesWith: TrustDomain[] = []): WorkloadIdentity {
  return { entryId, spiffeId: SpiffeId.fromPath(TD, path), hint: '', federatesWith, svid };
}

describe('Workload API responses', () => {
  it('sorts identities by entry ID', () => {
    const ids = ['b', 'B', 'a-2', 'a', '0'].map((id) => identity(id, '/x', undefined));
    assert.deepEqual(sortedIdentities(ids).map((i) => i.entryId), ['0', 'B', 'a', 'a-2', 'b']);
  });

  it('picks federated bundles the identities federate with, sorted, never the own trust domain', async () => {
    const own = new SpiffeBundle(TD);
    const update: WorkloadUpdate = {
      identities: [identity('1', '/x', undefined, [C, TD]), identity('2', '/y', undefined, [A, C])],
      bundle: own,
      federatedBundles: [new SpiffeBundle(C), new SpiffeBundle(B), new SpiffeBundle(A), new SpiffeBundle(TD)],
    };
    assert.deepEqual(federatedBundlesFor(update).map((b) => b.trustDomain.name), ['a.org', 'c.org']);
    assert.deepEqual(federatedBundlesFor(update, [update.identities[0]!]).map((b) => b.trustDomain.name), ['c.org']);
  });

  it('serves only current SVIDs: all of them first, then whichever are ready', async () => {
    const ca = await createCa();
    const bundle = new SpiffeBundle(TD, { x509Authorities: [ca.cert] });
    const current = await svidFor(ca, 'spiffe://example.org/a');
    const staleName = await svidFor(ca, 'spiffe://example.org/old-name');
    const b = identity('2', '/b', await svidFor(ca, 'spiffe://example.org/b'));
    const update = (svid: X509Svid | undefined): WorkloadUpdate => ({ identities: [identity('1', '/a', svid), b], bundle, federatedBundles: [] });
    const ids = (u: WorkloadUpdate, waitForAll: boolean) => composeX509SvidResponse(u, { waitForAll })?.svids.map((s) => s.spiffeId);
    for (const pending of [undefined, staleName]) {
      assert.equal(ids(update(pending), true), undefined, 'the first message waits for every SVID');
      assert.deepEqual(ids(update(pending), false), ['spiffe://example.org/b'], 'later ones are not held back');
    }
    assert.deepEqual(ids(update(current), true), ['spiffe://example.org/a', 'spiffe://example.org/b']);
    const nothingReady: WorkloadUpdate = { identities: [identity('1', '/a', undefined)], bundle, federatedBundles: [] };
    assert.equal(ids(nothingReady, false), undefined);
  });

  it('leaves out federated bundles without authorities of the kind sent, but always sends the own one', async () => {
    const ca = await createCa();
    const foreignCa = await createCa({ uris: ['spiffe://a.org'] });
    const jwtOnly = new SpiffeBundle(A, { jwtAuthorities: [['k', keyPairFor('ES256').publicKey]] });
    const x509Only = new SpiffeBundle(B, { x509Authorities: [foreignCa.cert] });
    const update: WorkloadUpdate = {
      identities: [identity('1', '/a', await svidFor(ca, 'spiffe://example.org/a'), [A, B])],
      bundle: new SpiffeBundle(TD, { x509Authorities: [ca.cert] }),
      federatedBundles: [jwtOnly, x509Only],
    };
    assert.deepEqual(Object.keys(composeX509SvidResponse(update, { waitForAll: true })!.federatedBundles), ['spiffe://b.org']);
    assert.deepEqual(Object.keys(composeX509BundlesResponse(update).bundles).sort(), ['spiffe://b.org', 'spiffe://example.org']);
    const jwt = composeJwtBundlesResponse(update).bundles;
    assert.deepEqual(Object.keys(jwt).sort(), ['spiffe://a.org', 'spiffe://example.org']);
    assert.equal(new TextDecoder().decode(jwt['spiffe://example.org']), '{\n    "keys": []\n}');
  });
});
