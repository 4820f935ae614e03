import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { JwtBundleSet, SpiffeBundleSet, X509BundleSet } from './bundle-set.js';
import { X509Bundle } from './x509-bundle.js';
import { JwtBundle } from './jwt-bundle.js';
import { SpiffeBundle } from './spiffe-bundle.js';
import { TrustDomain } from '../id/trust-domain.js';
import { isSpiffeError } from '../errors.js';
import { createCa } from '../svid/testing/x509-fixtures.js';

const [a, b, c] = ['a.org', 'b.org', 'c.org'].map((name) => TrustDomain.parse(name)) as [TrustDomain, TrustDomain, TrustDomain];
const caB = (await createCa({ uris: ['spiffe://b.org'] })).cert;
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

function assertNotFound(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => isSpiffeError(err, 'ERR_BUNDLE_NOT_FOUND') && err.message === message);
}

describe('BundleSet', () => {
  it('adds, gets, replaces, removes and lists sorted by name', () => {
    const set = new X509BundleSet([new X509Bundle(c), new X509Bundle(a)]);
    set.add(new X509Bundle(b));
    assert.deepEqual(set.bundles().map((x) => x.trustDomain.name), ['a.org', 'b.org', 'c.org']);
    const replacement = new X509Bundle(b, [caB]);
    set.add(replacement);
    assert.equal(set.size, 3);
    assert.equal(set.get(TrustDomain.parse('b.org')), replacement);
    assert.ok(set.remove(a));
    assert.ok(!set.remove(a));
    assert.ok(!set.has(a) && set.has(c));
    assert.equal(set.get(a), undefined);
  });

  it('X509BundleSet serves X.509 bundles by trust domain', () => {
    const bundle = new X509Bundle(b, [caB]);
    const set = new X509BundleSet([bundle]);
    assert.equal(set.getX509BundleForTrustDomain(b), bundle);
    assertNotFound(() => set.getX509BundleForTrustDomain(a), 'no X.509 bundle for trust domain "a.org"');
  });

  it('JwtBundleSet serves JWT bundles by trust domain', () => {
    const bundle = new JwtBundle(a, [['k', key]]);
    const set = new JwtBundleSet([bundle]);
    assert.equal(set.getJwtBundleForTrustDomain(a), bundle);
    assertNotFound(() => set.getJwtBundleForTrustDomain(c), 'no JWT bundle for trust domain "c.org"');
  });

  it('SpiffeBundleSet serves every kind, projecting X.509 and JWT bundles', () => {
    const bundle = new SpiffeBundle(b, { x509Authorities: [caB], jwtAuthorities: [['k', key]] });
    const set = new SpiffeBundleSet([bundle]);
    assert.equal(set.getSpiffeBundleForTrustDomain(b), bundle);
    assert.equal(set.getX509BundleForTrustDomain(b).x509Authorities()[0], caB);
    assert.ok(set.getJwtBundleForTrustDomain(b).findJwtAuthority('k')?.equals(key));
    assertNotFound(() => set.getX509BundleForTrustDomain(a), 'no X.509 bundle for trust domain "a.org"');
    assertNotFound(() => set.getJwtBundleForTrustDomain(a), 'no JWT bundle for trust domain "a.org"');
    assertNotFound(() => set.getSpiffeBundleForTrustDomain(a), 'no SPIFFE bundle for trust domain "a.org"');
  });
});
