import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Svid } from '../svid/x509-svid.js';
import { FIXTURE_NOW, createCa, createLeaf, keyPairFor, signToken } from './index.js';

test('the testing entry point builds a CA, an SVID and a signed JWT', async () => {
  const ca = await createCa();
  const leaf = await createLeaf(ca, { uris: ['spiffe://example.org/api'] });
  const svid = X509Svid.fromParts([leaf.cert], leaf.keys.privateKey);
  assert.equal(svid.id.toString(), 'spiffe://example.org/api');
  assert.ok(svid.expiresAt > FIXTURE_NOW);
  const token = signToken({ alg: 'ES256', kid: 'k' }, { sub: 'spiffe://example.org/api' }, keyPairFor('ES256').privateKey);
  assert.equal(token.split('.').length, 3);
});
