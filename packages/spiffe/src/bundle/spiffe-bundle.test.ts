import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, type X509Certificate } from 'node:crypto';
import { SpiffeBundle } from './spiffe-bundle.js';
import { X509Bundle } from './x509-bundle.js';
import { JwtBundle } from './jwt-bundle.js';
import { TrustDomain } from '../id/trust-domain.js';
import { isSpiffeError, type SpiffeErrorCode } from '../errors.js';
import { createCa } from '../svid/testing/x509-fixtures.js';

const td = TrustDomain.parse('example.org');
const ecCa = (await createCa()).cert;
const rsaCa = (await createCa({ algorithm: 'RSA' })).cert;
const edCa = (await createCa({ algorithm: 'Ed25519' })).cert;
const jwtEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const jwtRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;

function x509Jwk(cert: X509Certificate, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { use: 'x509-svid', ...cert.publicKey.export({ format: 'jwk' }), x5c: [cert.raw.toString('base64')], ...extra };
}

function jwtJwk(key: KeyObject, kid: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { use: 'jwt-svid', kid, ...key.export({ format: 'jwk' }), ...extra };
}

function doc(keys: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ keys, ...extra });
}

function assertCode(fn: () => unknown, code: SpiffeErrorCode, fragment = ''): void {
  assert.throws(fn, (err: unknown) => isSpiffeError(err, code) && err.message.includes(fragment));
}

function fullBundle(): SpiffeBundle {
  return new SpiffeBundle(td, {
    x509Authorities: [rsaCa, ecCa, edCa],
    jwtAuthorities: [['z-key', jwtEc], ['a-key', jwtRsa]],
    refreshHint: 300,
    sequenceNumber: 2n ** 63n + 5n,
  });
}

describe('SpiffeBundle round trip', () => {
  it('JSON -> object -> JSON is stable, compact and indented', () => {
    for (const indent of [undefined, 4]) {
      const json = fullBundle().marshal(indent === undefined ? {} : { indent });
      const parsed = SpiffeBundle.parse(td, json);
      assert.ok(parsed.equals(fullBundle()));
      assert.equal(parsed.marshal(indent === undefined ? {} : { indent }), json);
    }
  });

  it('writes x509 entries in order then jwt entries sorted by kid, members in go order', () => {
    const out = JSON.parse(fullBundle().marshal());
    assert.deepEqual(Object.keys(out), ['keys', 'spiffe_sequence', 'spiffe_refresh_hint']);
    assert.deepEqual(out.keys.map((k: { use: string; kid?: string }) => `${k.use}:${k.kid ?? ''}`), [
      'x509-svid:', 'x509-svid:', 'x509-svid:', 'jwt-svid:a-key', 'jwt-svid:z-key',
    ]);
    assert.deepEqual(Object.keys(out.keys[0]), ['use', 'kty', 'n', 'e', 'x5c']);
    assert.deepEqual(Object.keys(out.keys[1]), ['use', 'kty', 'crv', 'x', 'y', 'x5c']);
    assert.deepEqual(Object.keys(out.keys[2]), ['use', 'kty', 'crv', 'x', 'x5c']);
    assert.deepEqual(Object.keys(out.keys[4]), ['use', 'kty', 'kid', 'crv', 'x', 'y']);
    assert.equal(out.keys[0].x5c.length, 1);
    assert.equal(out.keys[0].x5c[0], rsaCa.raw.toString('base64'));
    assert.match(out.keys[0].x5c[0], /^[A-Za-z0-9+/]+={0,2}$/);
  });

  it('writes the sequence exactly beyond 2^53 and as a JSON integer', () => {
    const bundle = new SpiffeBundle(td, { sequenceNumber: 2n ** 64n - 1n });
    assert.equal(bundle.marshal(), '{"keys":[],"spiffe_sequence":18446744073709551615}');
    assert.equal(SpiffeBundle.parse(td, bundle.marshal()).sequenceNumber, 2n ** 64n - 1n);
  });

  it('writes keys as [] and omits unset members when empty', () => {
    assert.equal(new SpiffeBundle(td).marshal(), '{"keys":[]}');
    assert.equal(new SpiffeBundle(td).marshal({ indent: 4 }), '{\n    "keys": []\n}');
    assert.equal(new SpiffeBundle(td, { refreshHint: 0 }).marshal(), '{"keys":[],"spiffe_refresh_hint":0}');
  });

  it('reads a document written in another member order and canonicalizes it', () => {
    const json = JSON.stringify({
      spiffe_refresh_hint: 60,
      other: { anything: true },
      keys: [jwtJwk(jwtEc, 'k1'), x509Jwk(ecCa)],
      spiffe_sequence: 7,
    });
    const bundle = SpiffeBundle.parse(td, new TextEncoder().encode(json));
    assert.equal(bundle.refreshHint, 60);
    assert.equal(bundle.sequenceNumber, 7n);
    assert.equal(bundle.x509Authorities().length, 1);
    assert.ok(bundle.findJwtAuthority('k1')?.equals(jwtEc));
    assert.deepEqual(Object.keys(JSON.parse(bundle.marshal())), ['keys', 'spiffe_sequence', 'spiffe_refresh_hint']);
  });
});

describe('SpiffeBundle.parse entries', () => {
  it('ignores a missing, unknown or wit-svid use', () => {
    const { use: _u, ...noUse } = x509Jwk(rsaCa);
    const bundle = SpiffeBundle.parse(td, doc([noUse, x509Jwk(rsaCa, { use: 'X509-SVID' }), jwtJwk(jwtEc, 'w', { use: 'wit-svid' })]));
    assert.ok(bundle.empty);
  });

  it('ignores an unknown kty but refuses a missing kty', () => {
    const bundle = SpiffeBundle.parse(td, doc([{ use: 'jwt-svid', kty: 'AKP', kid: 'pq' }, { use: 'x509-svid', kty: 'XYZ', x5c: [] }]));
    assert.ok(bundle.empty);
    const { kty: _k, ...noKty } = x509Jwk(ecCa);
    assertCode(() => SpiffeBundle.parse(td, doc([noKty])), 'ERR_BUNDLE_BAD_JWK', 'keys[0]');
  });

  it('requires exactly one standard-base64 certificate in x5c', () => {
    const b64 = ecCa.raw.toString('base64');
    assertCode(() => SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { x5c: undefined })])), 'ERR_BUNDLE_BAD_JWK', 'exactly one');
    assertCode(() => SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { x5c: [] })])), 'ERR_BUNDLE_BAD_JWK', 'exactly one');
    assertCode(() => SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { x5c: [b64, b64] })])), 'ERR_BUNDLE_BAD_JWK', 'exactly one');
    assertCode(() => SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { x5c: [ecCa.raw.toString('base64url')] })])), 'ERR_BUNDLE_BAD_JWK', 'base64');
    assertCode(() => SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { x5c: ['MAMCAQE='] })])), 'ERR_BUNDLE_BAD_CERT', 'keys[0] x5c[0]');
  });

  it('requires the JWK key parameters to match the certificate', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    assertCode(() => SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { x: other.x, y: other.y })])), 'ERR_BUNDLE_KEY_MISMATCH', 'keys[0]');
    assertCode(() => SpiffeBundle.parse(td, doc([{ use: 'x509-svid', kty: 'EC', x5c: [ecCa.raw.toString('base64')] }])), 'ERR_BUNDLE_BAD_JWK', '"crv"');
  });

  it('ignores a kid on an x509-svid entry', () => {
    assert.equal(SpiffeBundle.parse(td, doc([x509Jwk(ecCa, { kid: 'x' })])).x509Authorities().length, 1);
  });

  it('requires a non-empty kid on jwt-svid entries', () => {
    assertCode(() => SpiffeBundle.parse(td, doc([jwtJwk(jwtEc, '')])), 'ERR_BUNDLE_EMPTY_KEY_ID', 'keys[0]');
  });

  it('refuses two different keys under one kid', () => {
    assertCode(() => SpiffeBundle.parse(td, doc([jwtJwk(jwtEc, 'k'), jwtJwk(jwtRsa, 'k')])), 'ERR_BUNDLE_DUPLICATE_KEY_ID', '"k"');
  });

  it('removes duplicate x509 authorities', () => {
    assert.equal(SpiffeBundle.parse(td, doc([x509Jwk(ecCa), x509Jwk(ecCa)])).x509Authorities().length, 1);
  });

  it('refuses a missing, null or non-array keys', () => {
    assertCode(() => SpiffeBundle.parse(td, '{}'), 'ERR_BUNDLE_BAD_KEYS', 'missing');
    assertCode(() => SpiffeBundle.parse(td, '{"keys":null}'), 'ERR_BUNDLE_BAD_KEYS', 'null');
    assertCode(() => SpiffeBundle.parse(td, '{"keys":{}}'), 'ERR_BUNDLE_BAD_KEYS', 'not an array');
    assertCode(() => SpiffeBundle.parse(td, '"keys"'), 'ERR_BUNDLE_BAD_JSON');
    assertCode(() => SpiffeBundle.parse(td, '{"keys":[1]}'), 'ERR_BUNDLE_BAD_JWK', 'keys[0]');
  });
});

describe('SpiffeBundle sequence and refresh hint', () => {
  it('accepts integers and treats null as unset', () => {
    const bundle = SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":0,"spiffe_refresh_hint":null}');
    assert.equal(bundle.sequenceNumber, 0n);
    assert.equal(bundle.refreshHint, undefined);
  });

  it('refuses a sequence that is not a uint64 JSON integer', () => {
    for (const value of ['1.5', '-1', '"7"', '18446744073709551616', '1e3', 'true']) {
      assertCode(() => SpiffeBundle.parse(td, `{"keys":[],"spiffe_sequence":${value}}`), 'ERR_BUNDLE_BAD_SEQUENCE', 'spiffe_sequence');
    }
  });

  it('refuses a refresh hint that is not a non-negative JSON integer', () => {
    for (const value of ['1.5', '-1', '"300"', '1e2', '9007199254740993']) {
      assertCode(() => SpiffeBundle.parse(td, `{"keys":[],"spiffe_refresh_hint":${value}}`), 'ERR_BUNDLE_BAD_REFRESH_HINT', 'spiffe_refresh_hint');
    }
  });

  it('validates values set in code', () => {
    const bundle = new SpiffeBundle(td);
    assertCode(() => { bundle.refreshHint = -5; }, 'ERR_BUNDLE_BAD_REFRESH_HINT');
    assertCode(() => { bundle.refreshHint = 1.5; }, 'ERR_BUNDLE_BAD_REFRESH_HINT');
    assertCode(() => { bundle.sequenceNumber = -1n; }, 'ERR_BUNDLE_BAD_SEQUENCE');
    assertCode(() => { bundle.sequenceNumber = 2n ** 64n; }, 'ERR_BUNDLE_BAD_SEQUENCE');
    bundle.refreshHint = 30;
    bundle.refreshHint = undefined;
    assert.equal(bundle.refreshHint, undefined);
  });
});

describe('SpiffeBundle projections and sources', () => {
  it('projects independent X.509 and JWT bundles', () => {
    const bundle = fullBundle();
    const x509 = bundle.x509Bundle();
    const jwt = bundle.jwtBundle();
    assert.ok(x509.equals(new X509Bundle(td, [rsaCa, ecCa, edCa])));
    assert.ok(jwt.equals(new JwtBundle(td, [['a-key', jwtRsa], ['z-key', jwtEc]])));
    x509.removeX509Authority(ecCa);
    jwt.removeJwtAuthority('a-key');
    assert.equal(bundle.x509Authorities().length, 3);
    assert.equal(bundle.jwtAuthorities().size, 2);
  });

  it('lifts X.509 and JWT bundles', () => {
    const fromX509 = SpiffeBundle.fromX509Bundle(new X509Bundle(td, [ecCa]));
    assert.ok(fromX509.trustDomain.equals(td));
    assert.equal(fromX509.x509Authorities().length, 1);
    assert.equal(fromX509.jwtAuthorities().size, 0);
    const fromJwt = SpiffeBundle.fromJwtBundle(new JwtBundle(td, [['k', jwtEc]]));
    assert.ok(fromJwt.findJwtAuthority('k')?.equals(jwtEc));
    assert.ok(fromJwt.x509Authorities().length === 0 && !fromJwt.empty);
  });

  it('serves its own trust domain only, for every kind', () => {
    const bundle = fullBundle();
    assert.equal(bundle.getX509BundleForTrustDomain(td).x509Authorities().length, 3);
    assert.equal(bundle.getJwtBundleForTrustDomain(td).jwtAuthorities().size, 2);
    assert.equal(bundle.getSpiffeBundleForTrustDomain(td), bundle);
    const other = TrustDomain.parse('other.org');
    assertCode(() => bundle.getX509BundleForTrustDomain(other), 'ERR_BUNDLE_NOT_FOUND', 'no X.509 bundle for trust domain "other.org"');
    assertCode(() => bundle.getJwtBundleForTrustDomain(other), 'ERR_BUNDLE_NOT_FOUND', 'no JWT bundle');
    assertCode(() => bundle.getSpiffeBundleForTrustDomain(other), 'ERR_BUNDLE_NOT_FOUND', 'no SPIFFE bundle');
  });

  it('clone is equal and independent; equals sees every field', () => {
    const bundle = fullBundle();
    const copy = bundle.clone();
    assert.ok(copy.equals(bundle));
    copy.sequenceNumber = 1n;
    assert.ok(!copy.equals(bundle));
    const other = bundle.clone();
    other.refreshHint = 301;
    assert.ok(!other.equals(bundle));
    const fewer = bundle.clone();
    fewer.removeJwtAuthority('z-key');
    assert.ok(!fewer.equals(bundle));
    assert.equal(bundle.jwtAuthorities().size, 2);
  });
});
