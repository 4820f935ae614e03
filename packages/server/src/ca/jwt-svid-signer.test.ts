import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { JwtSvidSigner, newJwtId, newKeyId } from './jwt-svid-signer.js';

const NOW = 1_900_000_000;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function signer(privateKey = p256.privateKey, extra: { issuer?: string; notAfter?: number; randomBytes?: (n: number) => Uint8Array } = {}) {
  return new JwtSvidSigner({
    trustDomain: 'example.org', privateKey, keyId: 'kid1', notAfter: extra.notAfter ?? NOW + 86_400,
    ...(extra.issuer ? { issuer: extra.issuer } : {}), ...(extra.randomBytes ? { randomBytes: extra.randomBytes } : {}),
  });
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

test('includeJti adds a random UUID jti (base64url, 22 characters), unique per token', async () => {
  const s = signer();
  const params = { spiffeId: 'spiffe://example.org/web', audience: ['db'], ttlSeconds: 60, now: NOW, includeJti: true };
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const { payload } = await jwtVerify(s.sign(params).token, p256.publicKey, { audience: 'db', currentDate: new Date(NOW * 1000) });
    assert.equal(typeof payload.jti, 'string');
    assert.match(payload.jti!, /^[A-Za-z0-9_-]{22}$/);
    const uuid = Buffer.from(payload.jti!, 'base64url');
    assert.equal(uuid.length, 16);
    assert.equal(uuid[6]! >> 4, 4, 'UUID version 4');
    assert.equal(uuid[8]! >> 6, 0b10, 'RFC 4122 variant');
    ids.add(payload.jti!);
  }
  assert.equal(ids.size, 20);
});

test('jti comes from the injected randomness, in SPIRE claim order; without includeJti there is none', () => {
  const s = signer(p256.privateKey, { issuer: 'https://oidc.example.org', randomBytes: (n) => new Uint8Array(n).fill(0xff) });
  const base = { spiffeId: 'spiffe://example.org/web', audience: ['db'], ttlSeconds: 60, now: NOW };
  const withJti = decodeJwt(s.sign({ ...base, includeJti: true }).token);
  // ff..ff with the version nibble (4) and variant bits (10) forced.
  assert.equal(withJti.jti, Buffer.from('ffffffffffff4fffbfffffffffffffff', 'hex').toString('base64url'));
  assert.deepEqual(Object.keys(withJti), ['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
  for (const params of [base, { ...base, includeJti: false }]) {
    assert.equal('jti' in decodeJwt(s.sign(params).token), false);
  }
});

test('newJwtId refuses a short random source', () => {
  assert.throws(() => newJwtId(() => new Uint8Array(8)), /expected 16/);
  assert.equal(newJwtId(() => new Uint8Array(16)), Buffer.from('00000000000040008000000000000000', 'hex').toString('base64url'));
});
