import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { JwtBundle } from './jwt-bundle.js';
import { TrustDomain } from '../id/trust-domain.js';
import { isSpiffeError, type SpiffeErrorCode } from '../errors.js';

const td = TrustDomain.parse('example.org');
// Keys come from the libuv pool (async), all at once: synchronous generation of seven keys at
// module load once left a test child parked in a futex before any test ran.
const generate = promisify(generateKeyPair) as (type: string, options?: object) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
const [ec256, ec384, ec521, rsa, ed25519, x25519, k256] = await Promise.all([
  generate('ec', { namedCurve: 'P-256' }),
  generate('ec', { namedCurve: 'P-384' }).then((k) => k.publicKey),
  generate('ec', { namedCurve: 'P-521' }).then((k) => k.publicKey),
  generate('rsa', { modulusLength: 2048 }).then((k) => k.publicKey),
  generate('ed25519').then((k) => k.publicKey),
  generate('x25519').then((k) => k.publicKey),
  generate('ec', { namedCurve: 'secp256k1' }).then((k) => k.publicKey),
]);

function jwk(key: KeyObject, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), ...extra };
}

function jwks(...keys: unknown[]): string {
  return JSON.stringify({ keys });
}

function assertCode(fn: () => unknown, code: SpiffeErrorCode, fragment = ''): void {
  assert.throws(fn, (err: unknown) => isSpiffeError(err, code) && err.message.includes(fragment));
}

describe('JwtBundle.parseJwks', () => {
  it('round-trips every supported key type through a standard JWKS', () => {
    const bundle = new JwtBundle(td, [['ec256', ec256.publicKey], ['ec384', ec384], ['ec521', ec521], ['rsa', rsa], ['ed', ed25519]]);
    const parsed = JwtBundle.parseJwks(td, bundle.marshal());
    assert.ok(parsed.equals(bundle));
    assert.equal(parsed.marshal(), bundle.marshal());
  });

  it('accepts UTF-8 bytes (the Workload API form)', () => {
    const bytes = new TextEncoder().encode(jwks(jwk(rsa, { kid: 'r' })));
    assert.ok(JwtBundle.parseJwks(td, bytes).findJwtAuthority('r')?.equals(rsa));
  });

  it('ignores use', () => {
    const parsed = JwtBundle.parseJwks(td, jwks(jwk(ec384, { kid: 'a', use: 'sig' }), jwk(rsa, { kid: 'b', use: 'x509-svid' })));
    assert.deepEqual([...parsed.jwtAuthorities().keys()], ['a', 'b']);
  });

  it('gives an empty bundle for missing or null keys and for []', () => {
    assert.ok(JwtBundle.parseJwks(td, '{}').empty);
    assert.ok(JwtBundle.parseJwks(td, '{"keys":null}').empty);
    assert.ok(JwtBundle.parseJwks(td, '{"keys":[]}').empty);
  });

  it('refuses keys that is not an array, and non-object JSON', () => {
    assertCode(() => JwtBundle.parseJwks(td, '{"keys":{}}'), 'ERR_BUNDLE_BAD_KEYS');
    assertCode(() => JwtBundle.parseJwks(td, '[]'), 'ERR_BUNDLE_BAD_JSON', 'JWKS');
    assertCode(() => JwtBundle.parseJwks(td, '{'), 'ERR_BUNDLE_BAD_JSON');
  });

  it('requires a non-empty kid on every key', () => {
    assertCode(() => JwtBundle.parseJwks(td, jwks(jwk(rsa))), 'ERR_BUNDLE_EMPTY_KEY_ID', 'keys[0]');
    assertCode(() => JwtBundle.parseJwks(td, jwks(jwk(rsa, { kid: 'a' }), jwk(rsa, { kid: '' }))), 'ERR_BUNDLE_EMPTY_KEY_ID', 'keys[1]');
    assertCode(() => JwtBundle.parseJwks(td, jwks(jwk(rsa, { kid: 7 }))), 'ERR_BUNDLE_EMPTY_KEY_ID');
  });

  it('skips keys of an unknown kty but refuses a missing kty', () => {
    const parsed = JwtBundle.parseJwks(td, jwks({ kty: 'AKP', kid: 'pq', pub: 'xx' }, jwk(rsa, { kid: 'r' })));
    assert.deepEqual([...parsed.jwtAuthorities().keys()], ['r']);
    assertCode(() => JwtBundle.parseJwks(td, jwks({ kid: 'x', n: 'a', e: 'AQAB' })), 'ERR_BUNDLE_BAD_JWK', 'kty');
    assertCode(() => JwtBundle.parseJwks(td, jwks('not a key')), 'ERR_BUNDLE_BAD_JWK', 'JSON object');
  });

  it('refuses unsupported keys, naming the kid', () => {
    assertCode(() => JwtBundle.parseJwks(td, jwks({ kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' })), 'ERR_BUNDLE_UNSUPPORTED_KEY', '"hmac"');
    assertCode(() => JwtBundle.parseJwks(td, jwks(jwk(x25519, { kid: 'xdh' }))), 'ERR_BUNDLE_UNSUPPORTED_KEY', '"xdh"');
    assertCode(() => JwtBundle.parseJwks(td, jwks(jwk(k256, { kid: 'k1' }))), 'ERR_BUNDLE_UNSUPPORTED_KEY', 'secp256k1');
  });

  it('refuses invalid key parameters, naming the kid', () => {
    const bad = jwk(ec256.publicKey, { kid: 'broken', x: 'AAAA' });
    assertCode(() => JwtBundle.parseJwks(td, jwks(bad)), 'ERR_BUNDLE_BAD_JWK', '"broken"');
    const { y: _y, ...noY } = jwk(ec256.publicKey, { kid: 'noy' });
    assertCode(() => JwtBundle.parseJwks(td, jwks(noY)), 'ERR_BUNDLE_BAD_JWK', '"y"');
  });

  it('refuses private key material without echoing it', () => {
    const priv = ec256.privateKey.export({ format: 'jwk' });
    assert.throws(
      () => JwtBundle.parseJwks(td, jwks({ ...priv, kid: 'oops' })),
      (err: unknown) => isSpiffeError(err, 'ERR_BUNDLE_BAD_JWK') && err.message.includes('private') && !err.message.includes(String(priv.d)),
    );
  });

  it('refuses two different keys under one kid but accepts an exact repeat', () => {
    assertCode(() => JwtBundle.parseJwks(td, jwks(jwk(rsa, { kid: 'k' }), jwk(ec384, { kid: 'k' }))), 'ERR_BUNDLE_DUPLICATE_KEY_ID', '"k"');
    assert.equal(JwtBundle.parseJwks(td, jwks(jwk(rsa, { kid: 'k' }), jwk(rsa, { kid: 'k' }))).jwtAuthorities().size, 1);
  });
});

describe('JwtBundle output', () => {
  it('writes a standard JWKS sorted by kid, without use', () => {
    const bundle = new JwtBundle(td, [['b', ec256.publicKey], ['a', rsa]]);
    const out = bundle.toJwks();
    assert.deepEqual(out.keys.map((k) => k.kid), ['a', 'b']);
    assert.deepEqual(Object.keys(out.keys[0]!), ['kty', 'kid', 'n', 'e']);
    assert.deepEqual(Object.keys(out.keys[1]!), ['kty', 'kid', 'crv', 'x', 'y']);
    assert.equal(JSON.parse(bundle.marshal()).keys[1].use, undefined);
  });

  it('writes {"keys":[]} when empty and pretty-prints on request', () => {
    assert.equal(new JwtBundle(td).marshal(), '{"keys":[]}');
    assert.equal(new JwtBundle(td).marshal({ indent: 4 }), '{\n    "keys": []\n}');
    assert.ok(new JwtBundle(td, [['a', rsa]]).marshal({ indent: 4 }).includes('\n        {\n            "kty": "RSA"'));
  });
});

describe('JwtBundle values', () => {
  it('refuses private keys, unsupported keys and empty key IDs', () => {
    assertCode(() => new JwtBundle(td, [['p', ec256.privateKey]]), 'ERR_BUNDLE_NOT_PUBLIC_KEY', '"p"');
    assertCode(() => new JwtBundle(td, [['x', x25519]]), 'ERR_BUNDLE_UNSUPPORTED_KEY', 'x25519');
    assertCode(() => new JwtBundle(td, [['', rsa]]), 'ERR_BUNDLE_EMPTY_KEY_ID');
  });

  it('clone is independent and equals compares keys', () => {
    const bundle = new JwtBundle(td, [['a', rsa]]);
    const copy = bundle.clone();
    assert.ok(copy.equals(bundle));
    copy.addJwtAuthority('b', ec384);
    assert.ok(!copy.equals(bundle));
    assert.equal(bundle.jwtAuthorities().size, 1);
    assert.ok(!bundle.equals(new JwtBundle(td, [['a', ec384]])), 'same kid, other key');
    assert.ok(!bundle.equals(new JwtBundle(TrustDomain.parse('other.org'), [['a', rsa]])));
  });

  it('setJwtAuthorities replaces and removeJwtAuthority removes', () => {
    const bundle = new JwtBundle(td, [['a', rsa]]);
    bundle.setJwtAuthorities([['b', ec384], ['c', ed25519]]);
    bundle.removeJwtAuthority('c');
    assert.deepEqual([...bundle.jwtAuthorities().keys()], ['b']);
    assert.ok(bundle.hasJwtAuthority('b') && !bundle.hasJwtAuthority('a'));
  });

  it('is its own source only for its trust domain', () => {
    const bundle = new JwtBundle(td);
    assert.equal(bundle.getJwtBundleForTrustDomain(td), bundle);
    assertCode(() => bundle.getJwtBundleForTrustDomain(TrustDomain.parse('other.org')), 'ERR_BUNDLE_NOT_FOUND', 'no JWT bundle for trust domain "other.org"');
  });
});
