import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { JwtSvid, type JwtSvidParseOptions } from './jwt-svid.js';
import { JwtBundle } from '../bundle/jwt-bundle.js';
import { JwtBundleSet } from '../bundle/bundle-set.js';
import { TrustDomain } from '../id/trust-domain.js';
import { isSpiffeError, type SpiffeErrorCode } from '../errors.js';
import {
  b64url, hmacForgedToken, keyPairFor, replacePart, signToken, signingOutput, unsignedToken, type SigningAlg,
} from './jwt-test-helpers.js';

const now = new Date('2030-06-01T12:00:00Z');
const nowSec = now.getTime() / 1000;
const td = TrustDomain.parse('example.org');
const otherTd = TrustDomain.parse('other.org');
const subject = 'spiffe://example.org/workload/client';
const audience = ['spiffe://example.org/api'];

const keys = {
  ES256: keyPairFor('ES256'),
  ES384: keyPairFor('ES384'),
  RS256: keyPairFor('RS256'),
  PS256: keyPairFor('PS256'),
  EdDSA: keyPairFor('EdDSA'),
};
const otherKey = keyPairFor('ES256');
const bundles = new JwtBundleSet([
  new JwtBundle(td, [
    ['es256', keys.ES256.publicKey], ['es384', keys.ES384.publicKey], ['rs', keys.RS256.publicKey],
    ['ed', keys.EdDSA.publicKey],
  ]),
  new JwtBundle(otherTd, [['other', otherKey.publicKey]]),
]);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { sub: subject, aud: audience, exp: nowSec + 300, iat: nowSec - 10, ...overrides };
  for (const [name, value] of Object.entries(base)) if (value === undefined) delete base[name];
  return base;
}

function token(alg: SigningAlg = 'ES256', overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  const pair = alg === 'ES384' ? keys.ES384 : alg.startsWith('ES') ? keys.ES256 : alg === 'EdDSA' ? keys.EdDSA : keys.RS256;
  const kid = alg === 'ES384' ? 'es384' : alg.startsWith('ES') ? 'es256' : alg === 'EdDSA' ? 'ed' : 'rs';
  return signToken({ alg, kid, typ: 'JWT', ...header }, claims(overrides), pair.privateKey);
}

function validate(jwt: string, options: JwtSvidParseOptions = { now }, expected: string[] = audience): Promise<JwtSvid> {
  return JwtSvid.parseAndValidate(jwt, bundles, expected, options);
}

async function rejects(jwt: string, code: SpiffeErrorCode, fragment = '', options: JwtSvidParseOptions = { now }, expected = audience): Promise<void> {
  await assert.rejects(validate(jwt, options, expected), (err: unknown) => {
    assert.ok(isSpiffeError(err), `expected SpiffeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(fragment), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(fragment)}`);
    assert.ok(!err.message.includes(jwt.split('.')[2] || jwt), 'message must not contain the token');
    return true;
  });
}

describe('JwtSvid.parseAndValidate accepts', () => {
  for (const alg of ['ES256', 'RS256', 'PS256', 'ES384'] as const) {
    it(`a valid ${alg} token`, async () => {
      const jwt = token(alg, { custom: 'x' });
      const svid = await validate(jwt);
      assert.equal(svid.id.toString(), subject);
      assert.deepEqual(svid.audience, audience);
      assert.equal(svid.expiry.getTime(), (nowSec + 300) * 1000);
      assert.equal(svid.claims['custom'], 'x');
      assert.equal(svid.token, jwt);
      assert.equal(svid.marshal(), jwt);
    });
  }

  it('aud as a string and as an array, matching any expected audience', async () => {
    assert.deepEqual((await validate(token('ES256', { aud: 'spiffe://example.org/api' }))).audience, ['spiffe://example.org/api']);
    const svid = await validate(token('ES256', { aud: ['a', 'b'] }), { now }, ['z', 'b']);
    assert.deepEqual(svid.audience, ['a', 'b']);
  });

  it('typ JOSE or no typ at all', async () => {
    await validate(token('ES256', {}, { typ: 'JOSE' }));
    await validate(token('ES256', {}, { typ: undefined }));
  });

  it('exp, nbf and iat within the default 60 s leeway', async () => {
    await validate(token('ES256', { exp: nowSec - 59, nbf: nowSec + 59, iat: nowSec + 59 }));
  });

  it('a token checked only against the injected time, never the clock', async () => {
    const past = new Date('2001-01-01T00:00:00Z');
    const pastSec = past.getTime() / 1000;
    await validate(token('ES256', { exp: pastSec + 60, iat: pastSec }), { now: past });
  });
});

describe('JwtSvid.parseAndValidate refuses', () => {
  it('alg none', async () => {
    await rejects(unsignedToken(claims(), { alg: 'none', kid: 'es256' }), 'ERR_JWT_ALG_NOT_ALLOWED', '"none"');
  });

  it('HS256 forged with the public key as HMAC secret', async () => {
    await rejects(hmacForgedToken('rs', claims(), keys.RS256.publicKey), 'ERR_JWT_ALG_NOT_ALLOWED', '"HS256"');
  });

  it('EdDSA even when the bundle holds the Ed25519 key', async () => {
    await rejects(token('EdDSA'), 'ERR_JWT_ALG_NOT_ALLOWED', '"EdDSA"');
  });

  it('a missing alg', async () => {
    const jwt = replacePart(token(), 0, b64url(JSON.stringify({ kid: 'es256' })));
    await rejects(jwt, 'ERR_JWT_ALG_NOT_ALLOWED', 'missing');
  });

  it('typ other than JWT or JOSE', async () => {
    await rejects(token('ES256', {}, { typ: 'at+jwt' }), 'ERR_JWT_BAD_TYP', '"at+jwt"');
    await rejects(token('ES256', {}, { typ: 'jwt' }), 'ERR_JWT_BAD_TYP');
  });

  it('tokens that are not compact JWS', async () => {
    const jwt = token();
    await rejects(jwt.split('.').slice(0, 2).join('.'), 'ERR_JWT_BAD_FORMAT');
    await rejects(`${jwt}.x.y`, 'ERR_JWT_BAD_FORMAT');
    await rejects(replacePart(jwt, 0, 'e30!'), 'ERR_JWT_BAD_FORMAT');
    await rejects(replacePart(jwt, 0, b64url('not json')), 'ERR_JWT_BAD_FORMAT');
    await rejects(replacePart(jwt, 1, ''), 'ERR_JWT_BAD_FORMAT');
    await rejects(token('ES256', {}, { crit: ['exp'], exp: 1 }), 'ERR_JWT_BAD_FORMAT', 'crit');
  });

  it('claims that are not a JSON object or have mistyped registered claims', async () => {
    const header = { alg: 'ES256', kid: 'es256' };
    const input = `${b64url(JSON.stringify(header))}.${b64url('[1]')}`;
    await rejects(`${input}.${b64url(signingOutput('ES256', input, keys.ES256.privateKey))}`, 'ERR_JWT_BAD_CLAIMS');
    await rejects(token('ES256', { exp: String(nowSec + 300) }), 'ERR_JWT_BAD_CLAIMS', '"exp"');
    await rejects(token('ES256', { sub: 42 }), 'ERR_JWT_BAD_CLAIMS', '"sub"');
    await rejects(token('ES256', { aud: [1] }), 'ERR_JWT_BAD_CLAIMS', '"aud"');
    await rejects(token('ES256', { nbf: 1e20 }), 'ERR_JWT_BAD_CLAIMS', '"nbf"');
  });

  it('a missing sub and a sub that is not a SPIFFE ID', async () => {
    await rejects(token('ES256', { sub: undefined }), 'ERR_JWT_MISSING_SUB');
    await rejects(token('ES256', { sub: '' }), 'ERR_JWT_MISSING_SUB');
    await rejects(token('ES256', { sub: 'https://example.org/x' }), 'ERR_JWT_BAD_SUB', '"https://example.org/x"');
    await rejects(token('ES256', { sub: 'spiffe://Example.org/x' }), 'ERR_JWT_BAD_SUB');
  });

  it('a missing exp', async () => {
    await rejects(token('ES256', { exp: undefined }), 'ERR_JWT_MISSING_EXP');
  });

  it('a missing or unknown kid', async () => {
    await rejects(token('ES256', {}, { kid: undefined }), 'ERR_JWT_MISSING_KID');
    await rejects(token('ES256', {}, { kid: '' }), 'ERR_JWT_MISSING_KID');
    await rejects(token('ES256', {}, { kid: 'nope' }), 'ERR_JWT_UNKNOWN_KID', '"nope"');
  });

  it('a sub in a trust domain without a bundle', async () => {
    await rejects(token('ES256', { sub: 'spiffe://third.org/x' }), 'ERR_JWT_NO_BUNDLE', '"third.org"');
    const onlyOwn = new JwtBundle(td, [['es256', keys.ES256.publicKey]]);
    await assert.rejects(JwtSvid.parseAndValidate(token('ES256', { sub: 'spiffe://other.org/x' }), onlyOwn, audience, { now }), (err: unknown) =>
      isSpiffeError(err, 'ERR_JWT_NO_BUNDLE') && isSpiffeError(err.cause, 'ERR_BUNDLE_NOT_FOUND'),
    );
  });

  it('a key of another trust domain: the bundle of sub decides', async () => {
    // Signed by other.org's key and naming its kid, but claiming an example.org identity.
    const forged = signToken({ alg: 'ES256', kid: 'other' }, claims(), otherKey.privateKey);
    await rejects(forged, 'ERR_JWT_UNKNOWN_KID', 'trust domain "example.org"');
    // Same kid present in example.org's bundle but holding a different key.
    const confused = signToken({ alg: 'ES256', kid: 'es256' }, claims(), otherKey.privateKey);
    await rejects(confused, 'ERR_JWT_BAD_SIGNATURE', '"es256"');
  });

  it('tampered signatures and payloads', async () => {
    const jwt = token();
    const sig = Buffer.from(jwt.split('.')[2]!, 'base64url');
    sig[10] = sig[10]! ^ 1;
    await rejects(replacePart(jwt, 2, b64url(sig)), 'ERR_JWT_BAD_SIGNATURE');
    await rejects(replacePart(jwt, 1, b64url(JSON.stringify(claims({ sub: 'spiffe://example.org/admin' })))), 'ERR_JWT_BAD_SIGNATURE');
    await rejects(replacePart(jwt, 2, ''), 'ERR_JWT_BAD_SIGNATURE');
  });

  it('a DER-encoded ECDSA signature', async () => {
    const input = token().split('.').slice(0, 2).join('.');
    const { sign } = await import('node:crypto');
    const der = sign('sha256', Buffer.from(input), keys.ES256.privateKey);
    await rejects(`${input}.${b64url(der)}`, 'ERR_JWT_BAD_SIGNATURE');
  });

  it('an alg that does not fit the key', async () => {
    const jwt = signToken({ alg: 'RS256', kid: 'es256' }, claims(), keys.RS256.privateKey);
    await rejects(jwt, 'ERR_JWT_BAD_SIGNATURE');
  });

  it('an audience that does not match, or no aud at all', async () => {
    await rejects(token(), 'ERR_JWT_AUDIENCE_MISMATCH', '"spiffe://example.org/other"', { now }, ['spiffe://example.org/other']);
    await rejects(token('ES256', { aud: undefined }), 'ERR_JWT_MISSING_AUD');
    await rejects(token('ES256', { aud: [] }), 'ERR_JWT_MISSING_AUD');
  });

  it('an empty list of expected audiences (stricter than go)', async () => {
    await rejects(token(), 'ERR_JWT_NO_AUDIENCE', '', { now }, []);
  });

  it('expired beyond the leeway, or beyond a custom leeway', async () => {
    await rejects(token('ES256', { exp: nowSec - 61 }), 'ERR_JWT_EXPIRED', 'token has expired');
    await rejects(token('ES256', { exp: nowSec - 1 }), 'ERR_JWT_EXPIRED', '0s leeway', { now, leewaySeconds: 0 });
  });

  it('nbf and iat beyond the leeway in the future', async () => {
    await rejects(token('ES256', { nbf: nowSec + 61 }), 'ERR_JWT_NOT_YET_VALID');
    await rejects(token('ES256', { iat: nowSec + 61 }), 'ERR_JWT_ISSUED_IN_FUTURE');
  });

  it('bad options', async () => {
    await rejects(token(), 'ERR_JWT_BAD_OPTIONS', 'leewaySeconds', { now, leewaySeconds: -1 });
    await rejects(token(), 'ERR_JWT_BAD_OPTIONS', 'now', { now: new Date(Number.NaN) });
  });
});

describe('JwtSvid check order (go-spiffe order)', () => {
  it('alg before everything, typ before claims', async () => {
    await rejects(unsignedToken(claims({ sub: 'bad', exp: undefined })), 'ERR_JWT_ALG_NOT_ALLOWED');
    await rejects(token('ES256', { sub: undefined }, { typ: 'x' }), 'ERR_JWT_BAD_TYP');
  });

  it('sub before kid, bundle before kid lookup, signature before audience and time', async () => {
    await rejects(token('ES256', { sub: 'nope' }, { kid: undefined }), 'ERR_JWT_BAD_SUB');
    await rejects(token('ES256', { sub: 'spiffe://third.org/x' }, { kid: 'nope' }), 'ERR_JWT_NO_BUNDLE');
    const expiredWrongAud = token('ES256', { exp: nowSec - 3600, aud: 'x' });
    await rejects(replacePart(expiredWrongAud, 2, b64url(Buffer.alloc(64))), 'ERR_JWT_BAD_SIGNATURE');
    await rejects(expiredWrongAud, 'ERR_JWT_AUDIENCE_MISMATCH');
  });
});

describe('JwtSvid.parseInsecure', () => {
  it('skips kid, bundle and signature', () => {
    const jwt = replacePart(token('ES256', {}, { kid: undefined }), 2, b64url(Buffer.alloc(64)));
    const svid = JwtSvid.parseInsecure(jwt, audience, { now });
    assert.equal(svid.id.toString(), subject);
  });

  it('still enforces alg, sub, exp, aud and time', () => {
    const cases: [string, SpiffeErrorCode][] = [
      [unsignedToken(claims()), 'ERR_JWT_ALG_NOT_ALLOWED'],
      [token('ES256', { sub: 'x' }), 'ERR_JWT_BAD_SUB'],
      [token('ES256', { exp: undefined }), 'ERR_JWT_MISSING_EXP'],
      [token('ES256', { aud: 'other' }), 'ERR_JWT_AUDIENCE_MISMATCH'],
      [token('ES256', { exp: nowSec - 120 }), 'ERR_JWT_EXPIRED'],
    ];
    for (const [jwt, code] of cases) {
      assert.throws(() => JwtSvid.parseInsecure(jwt, audience, { now }), (err: unknown) => isSpiffeError(err, code));
    }
    assert.throws(() => JwtSvid.parseInsecure(token(), [], { now }), (err: unknown) => isSpiffeError(err, 'ERR_JWT_NO_AUDIENCE'));
  });
});

describe('JwtSvid output', () => {
  it('keeps the token out of JSON and inspect output', async () => {
    const jwt = token();
    const svid = await validate(jwt);
    const json = JSON.stringify(svid);
    assert.ok(!json.includes(jwt.split('.')[2]!));
    assert.deepEqual(JSON.parse(json), { id: subject, audience, expiry: new Date((nowSec + 300) * 1000).toISOString() });
    assert.ok(!inspect(svid).includes(jwt.split('.')[2]!));
    assert.ok(inspect(svid).includes(subject));
  });

  it('carries a hint when built with one', async () => {
    const svid = await validate(token());
    const hinted = new JwtSvid({ ...svid, hint: 'internal' });
    assert.equal(hinted.hint, 'internal');
    assert.equal(JSON.parse(JSON.stringify(hinted)).hint, 'internal');
  });
});
