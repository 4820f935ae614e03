import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509BundleSet } from '@tspire/spiffe';
import { listTrustAnchors } from './sources.js';
import { bundleSet, testDomain } from './fixtures.test-helper.js';

test('listTrustAnchors reads every shape of bundle source and drops duplicates', async () => {
  const example = await testDomain('example.org');
  const other = await testDomain('other.org');
  const set = bundleSet(example, other);
  const expected = [example.ca.cert.fingerprint256, other.ca.cert.fingerprint256];
  const lookup = { getX509BundleForTrustDomain: set.getX509BundleForTrustDomain.bind(set) };
  const shapes = {
    'an X509BundleSet': set,
    'an X509Source (getX509BundleSet)': { ...lookup, getX509BundleSet: () => set },
    'a BundleSource (getBundleSets)': { ...lookup, getBundleSets: () => ({ x509: set }) },
    'an X509Context holder': { ...lookup, getX509Context: () => ({ bundles: set }) },
  };
  for (const [name, source] of Object.entries(shapes)) {
    assert.deepEqual(listTrustAnchors(source).map((cert) => cert.fingerprint256), expected, name);
  }
  assert.deepEqual(listTrustAnchors(example.bundle).map((cert) => cert.fingerprint256), [expected[0]]);
  // The same CA in two bundles (a shared root) is listed once.
  const shared = new X509BundleSet([example.bundle, { ...example.bundle, trustDomain: other.trustDomain, x509Authorities: () => [example.ca.cert] } as never]);
  const sharedSource = { ...lookup, getX509BundleSet: () => shared };
  assert.equal(listTrustAnchors(sharedSource).length, 1);
});
