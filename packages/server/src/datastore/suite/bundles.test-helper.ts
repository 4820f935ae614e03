// Shared suite: bundles (CRUD, append, delete modes, prune), federation relationships, CA journal.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import type { Bundle } from '../types.js';
import { entry } from './entries.test-helper.js';
import { rejectsWith, type WithFixture } from './harness.test-helper.js';

const bytes = (...values: number[]) => new Uint8Array(values);

function bundle(td: string, extra: Partial<Bundle> = {}): Bundle {
  return {
    trustDomain: td,
    x509Authorities: [{ der: bytes(0x30, 0x01), tainted: false }],
    jwtAuthorities: [{ keyId: 'k1', publicKeyDer: bytes(0x30, 0x02), expiresAt: 0, tainted: false }],
    refreshHint: 300,
    sequenceNumber: 1n,
    ...extra,
  };
}

async function certificateExpiringAt(seconds: number): Promise<Uint8Array> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: seconds.toString(16).padStart(2, '0'), name: `CN=ca-${seconds}`,
    notBefore: new Date((seconds - 86_400) * 1000), notAfter: new Date(seconds * 1000),
    signingAlgorithm: alg, keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
  });
  return new Uint8Array(cert.rawData);
}

export function bundlesSuite(withFixture: WithFixture): void {
  describe('bundles', () => {
    it('creates and fetches by name or ID, keeping bytes and a uint64 sequence', () => withFixture(async ({ ds }) => {
      const big = (1n << 64n) - 2n;
      const created = await ds.createBundle(bundle('example.org', { sequenceNumber: big }));
      assert.equal(created.trustDomain, 'spiffe://example.org');
      const fetched = await ds.fetchBundle('spiffe://example.org');
      assert.deepEqual(fetched, created);
      assert.equal(fetched?.sequenceNumber, big);
      assert.deepEqual(await ds.fetchBundle('example.org'), created);
      assert.equal(await ds.fetchBundle('missing.org'), null);
      await rejectsWith(ds.createBundle(bundle('spiffe://example.org')), 'ERR_DATASTORE_ALREADY_EXISTS', /bundle already exists/);
      await rejectsWith(ds.createBundle(bundle('bad.org', { sequenceNumber: -1n })), 'ERR_DATASTORE_INVALID_ARGUMENT');
    }));

    it('lists with pagination and counts', () => withFixture(async ({ ds }) => {
      for (const td of ['a.org', 'b.org', 'c.org']) await ds.createBundle(bundle(td));
      assert.equal(await ds.countBundles(), 3);
      const first = await ds.listBundles({ pageSize: 2 });
      const rest = await ds.listBundles({ pageSize: 2, pageToken: first.nextPageToken });
      assert.deepEqual([...first.bundles, ...rest.bundles].map((b) => b.trustDomain), ['spiffe://a.org', 'spiffe://b.org', 'spiffe://c.org']);
      assert.equal(rest.nextPageToken, '');
      assert.equal((await ds.listBundles()).bundles.length, 3);
    }));

    it('updates masked fields, and sets (upserts)', () => withFixture(async ({ ds }) => {
      const created = await ds.createBundle(bundle('u.org'));
      const updated = await ds.updateBundle({ ...created, refreshHint: 60, sequenceNumber: 9n, x509Authorities: [] }, ['refreshHint']);
      assert.equal(updated.refreshHint, 60);
      assert.equal(updated.sequenceNumber, 1n);
      assert.deepEqual(updated.x509Authorities, created.x509Authorities);
      assert.deepEqual(await ds.fetchBundle('u.org'), updated);
      await rejectsWith(ds.updateBundle(bundle('nope.org')), 'ERR_DATASTORE_NOT_FOUND', /bundle not found/);
      const replaced = await ds.setBundle(bundle('u.org', { jwtAuthorities: [], sequenceNumber: 5n }));
      assert.deepEqual(await ds.fetchBundle('u.org'), replaced);
      await ds.setBundle(bundle('new.org'));
      assert.equal(await ds.countBundles(), 2);
    }));

    it('appends authorities without duplicates, bumping the sequence only on change', () => withFixture(async ({ ds }) => {
      const first = await ds.appendBundle(bundle('ap.org'));
      assert.equal(first.sequenceNumber, 1n);
      const same = await ds.appendBundle(bundle('ap.org', { sequenceNumber: 40n }));
      assert.equal(same.sequenceNumber, 1n);
      const grown = await ds.appendBundle(bundle('ap.org', {
        x509Authorities: [{ der: bytes(0x30, 0x01), tainted: true }, { der: bytes(0x30, 0x09), tainted: false }],
        jwtAuthorities: [{ keyId: 'k2', publicKeyDer: bytes(0x30, 0x03), expiresAt: 99, tainted: false }],
      }));
      assert.equal(grown.sequenceNumber, 2n);
      assert.deepEqual(grown.x509Authorities.map((a) => [...a.der]), [[0x30, 0x01], [0x30, 0x09]]);
      assert.equal(grown.x509Authorities[0]?.tainted, false);
      assert.deepEqual(grown.jwtAuthorities.map((k) => k.keyId), ['k1', 'k2']);
      assert.deepEqual(await ds.fetchBundle('ap.org'), grown);
    }));

    it('deletes in restrict, delete and dissociate modes', () => withFixture(async ({ ds }) => {
      for (const td of ['r.org', 'd.org', 'x.org']) await ds.createBundle(bundle(td));
      const r = await ds.createEntry(entry('r', { federatesWith: ['r.org'] }));
      const d = await ds.createEntry(entry('d', { federatesWith: ['d.org', 'x.org'] }));
      const x = await ds.createEntry(entry('x', { federatesWith: ['x.org', 'r.org'] }));
      await rejectsWith(ds.deleteBundle('r.org'), 'ERR_DATASTORE_FAILED_PRECONDITION', /federated with 2 registration entries/);
      await rejectsWith(ds.deleteBundle('r.org', 'restrict'), 'ERR_DATASTORE_FAILED_PRECONDITION');
      await ds.deleteBundle('d.org', 'delete');
      assert.equal(await ds.fetchEntry(d.id), null);
      assert.equal(await ds.fetchBundle('d.org'), null);
      const before = (await ds.listEntryEvents()).length;
      await ds.deleteBundle('x.org', 'dissociate');
      const stripped = await ds.fetchEntry(x.id);
      assert.deepEqual(stripped?.federatesWith, ['r.org']);
      assert.equal(stripped?.revisionNumber, x.revisionNumber + 1);
      assert.deepEqual((await ds.listEntryEvents()).slice(before).map((e) => e.entryId), [x.id]);
      assert.deepEqual((await ds.fetchEntry(r.id))?.federatesWith, ['r.org']);
      await rejectsWith(ds.deleteBundle('x.org', 'dissociate'), 'ERR_DATASTORE_NOT_FOUND');
      await rejectsWith(ds.deleteBundle('r.org', 'sideways' as 'delete'), 'ERR_DATASTORE_INVALID_ARGUMENT');
      await ds.createBundle(bundle('free.org'));
      await ds.deleteBundle('free.org');
      assert.equal(await ds.countBundles(), 1);
    }));

    it('prunes expired authorities and refuses to prune them all', () => withFixture(async ({ ds }) => {
      const early = await certificateExpiringAt(1_000_000);
      const late = await certificateExpiringAt(2_000_000);
      await ds.createBundle(bundle('p.org', {
        x509Authorities: [{ der: early, tainted: false }, { der: late, tainted: false }],
        jwtAuthorities: [
          { keyId: 'old', publicKeyDer: bytes(1), expiresAt: 1_000_000, tainted: false },
          { keyId: 'forever', publicKeyDer: bytes(2), expiresAt: 0, tainted: false },
        ],
        sequenceNumber: 7n,
      }));
      assert.equal(await ds.pruneBundle('p.org', 999_999), false);
      assert.equal(await ds.pruneBundle('p.org', 1_500_000), true);
      const pruned = await ds.fetchBundle('p.org');
      assert.deepEqual(pruned?.x509Authorities.map((a) => a.der), [late]);
      assert.deepEqual(pruned?.jwtAuthorities.map((k) => k.keyId), ['forever']);
      assert.equal(pruned?.sequenceNumber, 8n);
      await rejectsWith(ds.pruneBundle('p.org', 2_500_000), 'ERR_DATASTORE_FAILED_PRECONDITION', /would prune all certificates/);
      assert.deepEqual(await ds.fetchBundle('p.org'), pruned);
      assert.equal(await ds.pruneBundle('absent.org', 2_500_000), false);
    }));
  });

  describe('federation relationships', () => {
    it('creates, fetches, lists, updates and deletes', () => withFixture(async ({ ds }) => {
      const web = { trustDomain: 'spiffe://web.org', bundleEndpointUrl: 'https://web.org/bundle', profile: 'https_web' as const, endpointSpiffeId: '' };
      const spf = { trustDomain: 'spf.org', bundleEndpointUrl: 'https://spf.org:8443', profile: 'https_spiffe' as const, endpointSpiffeId: 'spiffe://spf.org/spire/server' };
      assert.equal((await ds.createFederationRelationship(web)).trustDomain, 'web.org');
      await ds.createFederationRelationship(spf);
      await rejectsWith(ds.createFederationRelationship(spf), 'ERR_DATASTORE_ALREADY_EXISTS');
      await rejectsWith(ds.createFederationRelationship({ ...spf, trustDomain: 'z.org', endpointSpiffeId: '' }), 'ERR_DATASTORE_INVALID_ARGUMENT', /endpointSpiffeId/);
      assert.deepEqual(await ds.fetchFederationRelationship('spiffe://spf.org'), spf);
      const page = await ds.listFederationRelationships({ pageSize: 1 });
      assert.deepEqual(page.relationships.map((r) => r.trustDomain), ['web.org']);
      const rest = await ds.listFederationRelationships({ pageSize: 1, pageToken: page.nextPageToken });
      assert.deepEqual(rest.relationships.map((r) => r.trustDomain), ['spf.org']);
      const moved = await ds.updateFederationRelationship({ ...spf, bundleEndpointUrl: 'https://new.spf.org', profile: 'https_web' }, ['bundleEndpointUrl']);
      assert.deepEqual(moved, { ...spf, bundleEndpointUrl: 'https://new.spf.org' });
      const asWeb = await ds.updateFederationRelationship({ ...spf, profile: 'https_web' }, ['profile']);
      assert.equal(asWeb.endpointSpiffeId, '');
      await ds.deleteFederationRelationship('spf.org');
      assert.equal(await ds.fetchFederationRelationship('spf.org'), null);
      await rejectsWith(ds.deleteFederationRelationship('spf.org'), 'ERR_DATASTORE_NOT_FOUND');
      await rejectsWith(ds.updateFederationRelationship(spf), 'ERR_DATASTORE_NOT_FOUND');
    }));
  });

  describe('CA journal', () => {
    it('stores and replaces the journal per key', () => withFixture(async ({ ds, open }) => {
      assert.equal(await ds.fetchCaJournal(), null);
      await ds.setCaJournal(bytes(1, 2, 3));
      await ds.setCaJournal(bytes(9), 'spiffe://other.org');
      assert.deepEqual(await ds.fetchCaJournal(), bytes(1, 2, 3));
      await ds.setCaJournal(bytes(4, 5));
      const reopened = await open();
      assert.deepEqual(await reopened.fetchCaJournal(), bytes(4, 5));
      assert.deepEqual(await reopened.fetchCaJournal('spiffe://other.org'), bytes(9));
    }));

    it('deletes one key\'s journal, idempotently, and rejects a bad key', () => withFixture(async ({ ds }) => {
      await ds.setCaJournal(bytes(1), 'x509-ca/aa');
      await ds.setCaJournal(bytes(2), 'x509-ca/bb');
      assert.deepEqual(await ds.listCaJournalKeys(), ['x509-ca/aa', 'x509-ca/bb']);
      await ds.deleteCaJournal('x509-ca/aa');
      assert.equal(await ds.fetchCaJournal('x509-ca/aa'), null);
      assert.deepEqual(await ds.listCaJournalKeys(), ['x509-ca/bb']);
      assert.deepEqual(await ds.fetchCaJournal('x509-ca/bb'), bytes(2));
      await ds.deleteCaJournal('x509-ca/aa');
      await rejectsWith(ds.deleteCaJournal(''), 'ERR_DATASTORE_INVALID_ARGUMENT');
    }));
  });
}
