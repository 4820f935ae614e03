import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { FIXTURE_NOW, createPki, x509Context } from './fake-client.test-helper.js';
import { jwtRefreshDelayMs, selectSvid, x509Contents } from './output-content.js';

const subjects = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!.map((c) => new X509Certificate(c).subject);
const base = { addIntermediatesToBundle: false, includeFederatedDomains: false, omitExpired: false };

test('default: SVID file = leaf + intermediate, bundle = own roots only', async () => {
  const ctx = await x509Context(await createPki(), [{ id: 'spiffe://example.org/db' }]);
  const out = x509Contents(ctx, base, FIXTURE_NOW);
  assert.deepEqual(subjects(out.certificates), ['CN=workload\nO=tspire', 'CN=intermediate']);
  assert.deepEqual(subjects(out.bundle), ['CN=root']);
});

test('add_intermediates_to_bundle moves intermediates after the roots; federated roots come before them', async () => {
  const ctx = await x509Context(await createPki(), [{ id: 'spiffe://example.org/db' }]);
  const out = x509Contents(ctx, { ...base, addIntermediatesToBundle: true, includeFederatedDomains: true }, FIXTURE_NOW);
  assert.deepEqual(subjects(out.certificates), ['CN=workload\nO=tspire']);
  assert.deepEqual(subjects(out.bundle), ['CN=root', 'CN=federated root', 'CN=intermediate']);
});

test('omit_expired drops expired certificates', async () => {
  const ctx = await x509Context(await createPki(), [{ id: 'spiffe://example.org/db' }]);
  const later = new Date(FIXTURE_NOW.getTime() + 2 * 3_600_000); // the leaf expired, CAs still valid
  assert.deepEqual(subjects(x509Contents(ctx, { ...base, omitExpired: true }, later).certificates), ['CN=intermediate']);
  assert.equal(subjects(x509Contents(ctx, base, later).certificates).length, 2);
});

test('hint picks the SVID; an unknown hint is an error', async () => {
  const ctx = await x509Context(await createPki(), [
    { id: 'spiffe://example.org/a', hint: 'external' },
    { id: 'spiffe://example.org/b', hint: 'internal' },
  ]);
  assert.equal(selectSvid(ctx, undefined).id.toString(), 'spiffe://example.org/a');
  assert.equal(selectSvid(ctx, 'internal').id.toString(), 'spiffe://example.org/b');
  assert.throws(() => selectSvid(ctx, 'nope'), /no X509-SVID has the hint "nope"/);
});

test('JWT refresh: half the remaining lifetime plus one second', () => {
  const now = new Date(0);
  assert.equal(jwtRefreshDelayMs(new Date(600_000), now), 301_000);
  assert.equal(jwtRefreshDelayMs(new Date(0), new Date(5000)), 1000);
});
