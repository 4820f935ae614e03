import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { JwtSvidSigner, newKeyId } from './jwt-svid-signer.js';

const NOW = 1_900_000_000;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function signer(privateKey = p256.privateKey, extra: { issuer?: string; notAfter?: number } = {}) {
  return new JwtSvidSigner({ trustDomain: 'example.org', privateKey, keyId: 'kid1', notAfter: extra.notAfter ?? NOW + 86_400, ...(extra.issuer ? { issuer: extra.issuer } : {}) });
}

test('ES256 JWT-SVID verifies with jose and has the SPIFFE header and claims', async () => {
  const { token, expiresAt, issuedAt } = signer(p256.privateKey, { issuer: 'https://oidc.example.org' }).sign({ spiffeId: 'spiffe://example.org/web', audience: ['db'], ttlSeconds: 300, now: NOW + 0.5 });
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: 'kid1', typ: 'JWT' });
  const { payload } = await jwtVerify(token, p256.publicKey, { audience: 'db', currentDate: new Date((NOW + 10) * 1000), algorithms: ['ES256'] });
  assert.deepEqual(payload, { aud: ['db'], exp: NOW + 300, iat: NOW, iss: 'https://oidc.example.org', sub: 'spiffe://example.org/web' });
  assert.equal(issuedAt, NOW);
  assert.equal(expiresAt, NOW + 300);
  assert.equal(Buffer.from(token.split('.')[2]!, 'base64url').length, 64); // raw R||S
});

test('aud is always an array and iss is omitted without jwt_issuer', async () => {
  const { token } = signer().sign({ spiffeId: 'spiffe://example.org/web', audience: ['a', 'b'], ttlSeconds: 60, now: NOW });
  const { payload } = await jwtVerify(token, p256.publicKey, { currentDate: new Date(NOW * 1000) });
  assert.deepEqual(payload.aud, ['a', 'b']);
  assert.equal('iss' in payload, false);
});

test('ES384 and RS256 keys', async () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const a = signer(p384.privateKey).sign({ spiffeId: 'spiffe://example.org/x', audience: ['a'], ttlSeconds: 60, now: NOW });
  assert.equal(decodeProtectedHeader(a.token).alg, 'ES384');
  assert.equal(Buffer.from(a.token.split('.')[2]!, 'base64url').length, 96);
  await jwtVerify(a.token, p384.publicKey, { currentDate: new Date(NOW * 1000) });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b = signer(rsa.privateKey).sign({ spiffeId: 'spiffe://example.org/x', audience: ['a'], ttlSeconds: 60, now: NOW });
  assert.equal(decodeProtectedHeader(b.token).alg, 'RS256');
  await jwtVerify(b.token, rsa.publicKey, { currentDate: new Date(NOW * 1000) });
});

test('exp is capped at the key expiry; an expired key signs nothing', () => {
  const s = signer(p256.privateKey, { notAfter: NOW + 100 });
  assert.equal(s.sign({ spiffeId: 'spiffe://example.org/x', audience: ['a'], ttlSeconds: 300, now: NOW }).expiresAt, NOW + 100);
  assert.throws(() => s.sign({ spiffeId: 'spiffe://example.org/x', audience: ['a'], ttlSeconds: 300, now: NOW + 100 }), { code: 'ERR_CA_EXPIRED' });
});

test('bad requests are refused', () => {
  const s = signer();
  const base = { spiffeId: 'spiffe://example.org/x', audience: ['a'], ttlSeconds: 60, now: NOW };
  for (const bad of [{ ...base, audience: [] }, { ...base, audience: [''] }, { ...base, spiffeId: 'spiffe://other.org/x' }, { ...base, spiffeId: 'spiffe://example.org' }, { ...base, ttlSeconds: -1 }]) {
    assert.throws(() => s.sign(bad), { code: 'ERR_CA_INVALID_SVID_REQUEST' });
  }
  assert.throws(() => signer(generateKeyPairSync('ed25519').privateKey), { code: 'ERR_CA_UNSUPPORTED_KEY_TYPE' });
});

test('key ids are 32 characters of [a-zA-Z0-9] and reject biased bytes', () => {
  const kid = newKeyId();
  assert.match(kid, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(newKeyId(), kid);
  // Bytes >= 248 are skipped; 0 -> 'A', 61 -> '9', 62 -> 'A' again.
  const draws = [Uint8Array.from([255, 0, 61, 62, 250, ...new Array<number>(43).fill(1)])];
  assert.equal(newKeyId((n) => draws.shift() ?? new Uint8Array(n)).slice(0, 4), 'A9AB');
});
