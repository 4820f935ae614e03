import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { bundlev1 } from '@tspire/proto';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { TD_ID, id, sel, withApi } from '../../testing/fixture.test-helper.js';
import { createJwtPublicKeyDer, createRootCert } from '../../testing/test-ca.test-helper.js';

describe('Bundle service', () => {
  it('GetBundle returns the own bundle with masks; NOT_FOUND without one', async () => {
    await withApi(async (f) => {
      const b = await f.bundle.getBundle({});
      assert.equal(b.trustDomain, 'example.org');
      assert.deepEqual(b.x509Authorities.map((a) => Buffer.from(a.asn1).equals(f.ca.caCertDer)), [true]);
      assert.equal(b.sequenceNumber, 1n);
      const masked = await f.bundle.getBundle({ outputMask: { refreshHint: true } });
      assert.deepEqual(masked.x509Authorities, []);
      assert.equal((await f.bundle.countBundles({})).count, 1);
    });
    await withApi(async (f) => {
      await rejectsWith(f.bundle.getBundle({}), Code.NotFound, /^bundle not found$/);
    }, { ownBundle: false });
  });

  it('AppendBundle adds authorities and validates them', () => withApi(async (f) => {
    const root = await createRootCert('extra');
    const jwk = await createJwtPublicKeyDer();
    const b = await f.bundle.appendBundle({ x509Authorities: [{ asn1: root }], jwtAuthorities: [{ keyId: 'k1', publicKey: jwk, expiresAt: 10n }] });
    assert.equal(b.x509Authorities.length, 2);
    assert.deepEqual(b.jwtAuthorities.map((k) => [k.keyId, k.expiresAt]), [['k1', 10n]]);
    assert.equal(b.sequenceNumber, 2n);
    await rejectsWith(f.bundle.appendBundle({}), Code.InvalidArgument, /^no authorities to append$/);
    await rejectsWith(f.bundle.appendBundle({ x509Authorities: [{ asn1: new Uint8Array([1, 2, 3]) }] }), Code.InvalidArgument,
      /^failed to convert authorities: invalid X.509 authority 1: unable to parse certificate/);
    await rejectsWith(f.bundle.appendBundle({ jwtAuthorities: [{ keyId: '', publicKey: jwk }] }), Code.InvalidArgument, /invalid JWT authority 1: missing key ID/);
    await rejectsWith(f.bundle.appendBundle({ jwtAuthorities: [{ keyId: 'k', publicKey: new Uint8Array([48, 1]) }] }), Code.InvalidArgument,
      /invalid JWT authority 1: unable to parse public key/);
    const stored = await f.ds.fetchBundle(TD_ID);
    assert.equal(stored?.x509Authorities.length, 2, 'failed appends changed nothing');
    assert.equal(stored?.jwtAuthorities.length, 1);
  }));

  it('manages federated bundles: create, get, list, update, set, delete with modes', () => withApi(async (f) => {
    const rootA = await createRootCert('a');
    const rootB = await createRootCert('b');
    const created = await f.bundle.batchCreateFederatedBundle({
      bundle: [
        { trustDomain: 'fed.org', x509Authorities: [{ asn1: rootA }] },
        { trustDomain: 'spiffe://fed.org', x509Authorities: [{ asn1: rootA }] },
        { trustDomain: 'example.org', x509Authorities: [{ asn1: rootA }] },
        { trustDomain: 'Bad!', x509Authorities: [{ asn1: rootA }] },
        { trustDomain: 'two.org', x509Authorities: [{ asn1: rootB }], refreshHint: 300n },
      ],
    });
    assert.deepEqual(created.results.map((r) => [r.status?.code, r.status?.message]), [
      [0, 'OK'],
      [Code.AlreadyExists, 'bundle already exists'],
      [Code.InvalidArgument, "creating a federated bundle for the server's own trust domain is not allowed"],
      [Code.InvalidArgument, created.results[3]?.status?.message],
      [0, 'OK'],
    ]);
    assert.match(created.results[3]?.status?.message ?? '', /^failed to convert bundle: invalid trust domain: trust domain characters/);
    assert.equal(created.results[0]?.bundle?.trustDomain, 'fed.org');
    assert.equal((await f.bundle.countBundles({})).count, 3);

    const got = await f.bundle.getFederatedBundle({ trustDomain: 'two.org' });
    assert.equal(got.refreshHint, 300n);
    await rejectsWith(f.bundle.getFederatedBundle({ trustDomain: 'example.org' }), Code.InvalidArgument, /server's own trust domain is not allowed/);
    await rejectsWith(f.bundle.getFederatedBundle({ trustDomain: 'none.org' }), Code.NotFound, /^bundle not found$/);
    await rejectsWith(f.bundle.getFederatedBundle({ trustDomain: '' }), Code.InvalidArgument, /^trust domain argument is not valid: /);

    const listed = await f.bundle.listFederatedBundles({});
    assert.deepEqual(listed.bundles.map((b) => b.trustDomain).sort(), ['fed.org', 'two.org']);

    const updated = await f.bundle.batchUpdateFederatedBundle({
      bundle: [{ trustDomain: 'fed.org', refreshHint: 60n }, { trustDomain: 'missing.org' }, { trustDomain: 'example.org' }],
      inputMask: { refreshHint: true },
    });
    assert.deepEqual(updated.results.map((r) => r.status?.code), [0, Code.NotFound, Code.InvalidArgument]);
    assert.equal(updated.results[1]?.status?.message, 'bundle not found');
    const fed = await f.ds.fetchBundle('spiffe://fed.org');
    assert.equal(fed?.refreshHint, 60);
    assert.equal(fed?.x509Authorities.length, 1, 'masked update kept the authorities');

    const set = await f.bundle.batchSetFederatedBundle({ bundle: [{ trustDomain: 'three.org', x509Authorities: [{ asn1: rootB }] }, { trustDomain: 'example.org' }] });
    assert.deepEqual(set.results.map((r) => r.status?.code), [0, Code.InvalidArgument]);

    // An entry federating with fed.org blocks RESTRICT deletes; DISSOCIATE strips it.
    const { results } = await f.entry.batchCreateEntry({ entries: [{ spiffeId: id('/w'), parentId: id('/p'), selectors: [sel('a', 'b')], federatesWith: ['fed.org'] }] });
    const entryId = results[0]?.entry?.id ?? '';
    const restrict = await f.bundle.batchDeleteFederatedBundle({ trustDomains: ['fed.org', 'example.org', 'nope.org', 'B A D'] });
    assert.deepEqual(restrict.results.map((r) => [r.trustDomain, r.status?.code]), [
      ['fed.org', Code.FailedPrecondition], ['example.org', Code.InvalidArgument], ['nope.org', Code.NotFound], ['B A D', Code.InvalidArgument],
    ]);
    assert.match(restrict.results[0]?.status?.message ?? '', /^failed to delete federated bundle: cannot delete bundle; federated with 1 registration entries$/);
    assert.equal(restrict.results[1]?.status?.message, 'removing the bundle for the server trust domain is not allowed');
    assert.ok(await f.ds.fetchBundle('spiffe://fed.org'));
    const dissociate = await f.bundle.batchDeleteFederatedBundle({ trustDomains: ['fed.org'], mode: bundlev1.BatchDeleteFederatedBundleRequest_Mode.DISSOCIATE });
    assert.equal(dissociate.results[0]?.status?.code, 0);
    assert.deepEqual((await f.ds.fetchEntry(entryId))?.federatesWith, []);
    assert.equal(await f.ds.fetchBundle('spiffe://fed.org'), null);
  }));

  it('PublishJWTAuthority is for downstream callers only', () => withApi(async (f) => {
    await rejectsWith(f.bundle.publishJWTAuthority({}), Code.PermissionDenied, /authorization denied/);
  }));
});
