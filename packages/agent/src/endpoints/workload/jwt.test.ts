import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { JwtBundle, JwtSvid, SpiffeBundle } from '@tspire/spiffe';
import { keyPairFor } from '@tspire/spiffe/testing';
import {
  OTHER_TD,
  TD,
  UID_1000,
  UNSIGNABLE_PATH,
  isStatus,
  readStream,
  spiffeBundleOf,
  withWorkloadApi,
  type WorkloadFixture,
} from './fixture.test-helper.js';
import type { InMemoryEntry } from './in-memory-source.js';

function entry(f: WorkloadFixture, entryId: string, path: string, extra: Partial<InMemoryEntry> = {}): InMemoryEntry {
  return { entryId, spiffeId: f.spiffeId(path), selectors: UID_1000, ...extra };
}

const nowSeconds = (f: WorkloadFixture): number => Math.floor(f.clock.nowMs() / 1000);

describe('FetchJWTSVID', () => {
  it('requires an audience and a valid requested SPIFFE ID', () => withWorkloadApi(async (f) => {
    f.source.setEntry(entry(f, 'a', '/a'));
    const client = f.client();
    await assert.rejects(client.fetchJWTSVID({ audience: [] }), isStatus(Code.InvalidArgument, 'audience must be specified'));
    await assert.rejects(client.fetchJWTSVID({ audience: ['svc', ''] }), isStatus(Code.InvalidArgument, 'audience must not contain empty values'));
    await assert.rejects(
      client.fetchJWTSVID({ audience: ['svc'], spiffeId: 'spiffe://Example.org/a' }),
      isStatus(Code.InvalidArgument, /^invalid requested SPIFFE ID: /),
    );
  }));

  it('returns a JWT-SVID per identity in entry ID order, with every audience and the hints', () => withWorkloadApi(async (f) => {
    f.source.setEntry(entry(f, 'entry-2', '/db', { hint: 'db' }));
    f.source.setEntry(entry(f, 'entry-1', '/web'));
    const { svids } = await f.client().fetchJWTSVID({ audience: ['svc', 'vault'] });
    assert.deepEqual(svids.map((s) => [s.spiffeId, s.hint]), [['spiffe://example.org/web', ''], ['spiffe://example.org/db', 'db']]);
    for (const svid of svids) {
      const parsed = await JwtSvid.parseAndValidate(svid.svid, spiffeBundleOf(TD, f.own), ['vault'], { now: f.clock.now() });
      assert.equal(parsed.id.toString(), svid.spiffeId);
      assert.deepEqual(parsed.audience, ['svc', 'vault']);
    }
  }));

  it('returns only the requested identity, and PERMISSION_DENIED for one the caller does not have', () => withWorkloadApi(async (f) => {
    f.source.setEntry(entry(f, 'a', '/web'));
    f.source.setEntry(entry(f, 'b', '/db'));
    f.source.setEntry(entry(f, 'c', '/admin', { selectors: [{ type: 'unix', value: 'uid:0' }] }));
    const client = f.client();
    const { svids } = await client.fetchJWTSVID({ audience: ['svc'], spiffeId: 'spiffe://example.org/db' });
    assert.deepEqual(svids.map((s) => s.spiffeId), ['spiffe://example.org/db']);
    await assert.rejects(
      client.fetchJWTSVID({ audience: ['svc'], spiffeId: 'spiffe://example.org/admin' }),
      isStatus(Code.PermissionDenied, 'no identity issued'),
    );
  }));

  it('answers PERMISSION_DENIED without identity and UNAVAILABLE, without details, when no token can be had', () => withWorkloadApi(async (f) => {
    const client = f.client();
    await assert.rejects(client.fetchJWTSVID({ audience: ['svc'] }), isStatus(Code.PermissionDenied, 'no identity issued'));
    f.source.setEntry(entry(f, 'a', UNSIGNABLE_PATH));
    await assert.rejects(client.fetchJWTSVID({ audience: ['svc'] }), isStatus(Code.Unavailable, 'could not fetch JWT-SVID'));
    assert.match(String(f.logger.find('Could not fetch JWT-SVID')[0]?.fields['error']), /10\.0\.0\.7/);
  }));
});

describe('FetchJWTBundles', () => {
  it('streams plain JWKS JSON per trust domain (4-space indent, no use, no spiffe members)', () => withWorkloadApi(async (f) => {
    f.source.setEntry(entry(f, 'a', '/a', { federatesWith: [OTHER_TD] }));
    const reader = readStream((signal) => f.client().fetchJWTBundles({}, { signal }));
    const { bundles } = await reader.next();
    assert.deepEqual(Object.keys(bundles).sort(), ['spiffe://example.org', 'spiffe://other.org']);
    const text = new TextDecoder().decode(bundles['spiffe://example.org']);
    const jwk = f.own.jwtKeys.publicKey.export({ format: 'jwk' });
    const expected = { keys: [{ kty: 'EC', kid: f.own.jwtKid, crv: jwk.crv, x: jwk.x, y: jwk.y }] };
    assert.equal(text, JSON.stringify(expected, null, 4));
    assert.doesNotMatch(text, /"use"|spiffe_/);
    const other = JwtBundle.parseJwks(OTHER_TD, bundles['spiffe://other.org']!);
    assert.ok(other.findJwtAuthority(f.other.jwtKid)?.equals(f.other.jwtKeys.publicKey));

    const added = keyPairFor('ES256');
    f.source.setBundle(new SpiffeBundle(TD, {
      x509Authorities: [f.own.ca.cert],
      jwtAuthorities: [[f.own.jwtKid, f.own.jwtKeys.publicKey], ['example.org-k2', added.publicKey]],
    }));
    const next = await reader.next();
    assert.deepEqual(JwtBundle.parseJwks(TD, next.bundles['spiffe://example.org']!).toJwks().keys.map((k) => k.kid), [f.own.jwtKid, 'example.org-k2']);
    reader.cancel();
  }));

  it('answers PERMISSION_DENIED without identity unless allowUnauthenticatedVerifiers', async () => {
    await withWorkloadApi(async (f) => {
      const error = await readStream((signal) => f.client().fetchJWTBundles({}, { signal })).error();
      assert.ok(isStatus(Code.PermissionDenied, 'no identity issued')(error));
    });
    await withWorkloadApi(async (f) => {
      const reader = readStream((signal) => f.client().fetchJWTBundles({}, { signal }));
      assert.deepEqual(Object.keys((await reader.next()).bundles), ['spiffe://example.org']);
      reader.cancel();
    }, { allowUnauthenticatedVerifiers: true });
  });
});

describe('ValidateJWTSVID', () => {
  it('validates an own-trust-domain token without needing an identity, returning its ID and claims', () => withWorkloadApi(async (f) => {
    const now = nowSeconds(f);
    const token = f.jwt({ sub: 'spiffe://example.org/web', aud: 'svc', exp: now + 300, iat: now, team: 'blue', n: { deep: [1] } });
    const { spiffeId, claims } = await f.client().validateJWTSVID({ audience: 'svc', svid: token });
    assert.equal(spiffeId, 'spiffe://example.org/web');
    assert.deepEqual(claims, { sub: 'spiffe://example.org/web', aud: ['svc'], exp: now + 300, iat: now, team: 'blue', n: { deep: [1] } });
  }));

  it('rejects missing fields, a wrong audience, an expired token and a bad signature with INVALID_ARGUMENT', () => withWorkloadApi(async (f) => {
    const client = f.client();
    const now = nowSeconds(f);
    const claims = { sub: 'spiffe://example.org/web', aud: ['svc'], exp: now + 300 };
    await assert.rejects(client.validateJWTSVID({ audience: '', svid: f.jwt(claims) }), isStatus(Code.InvalidArgument, 'audience must be specified'));
    await assert.rejects(client.validateJWTSVID({ audience: 'svc', svid: '' }), isStatus(Code.InvalidArgument, 'svid must be specified'));
    await assert.rejects(client.validateJWTSVID({ audience: 'other', svid: f.jwt(claims) }), isStatus(Code.InvalidArgument, /expected audience/));
    // 60 s of leeway, as go-spiffe and SPIRE: 59 s past exp is still valid, 61 s is not.
    assert.equal((await client.validateJWTSVID({ audience: 'svc', svid: f.jwt({ ...claims, exp: now - 59 }) })).spiffeId, 'spiffe://example.org/web');
    await assert.rejects(client.validateJWTSVID({ audience: 'svc', svid: f.jwt({ ...claims, exp: now - 61 }) }), isStatus(Code.InvalidArgument, /expired/));
    const forged = f.jwt(claims, { ...f.own, jwtKeys: f.other.jwtKeys });
    await assert.rejects(client.validateJWTSVID({ audience: 'svc', svid: forged }), isStatus(Code.InvalidArgument, /signature/));
    assert.equal(f.logger.find('Failed to validate JWT').length, 3, 'each rejected token is logged (without the token)');
    assert.ok(f.logger.entries.every((e) => !JSON.stringify(e).includes(forged)));
  }));

  it('validates a foreign token only when the caller federates with its trust domain, filtering claims', async () => {
    const foreignClaims = (f: WorkloadFixture) => {
      const now = nowSeconds(f);
      return f.jwt({ sub: 'spiffe://other.org/api', aud: ['svc'], exp: now + 300, iss: 'other', team: 'red', role: 'reader' }, f.other);
    };
    await withWorkloadApi(async (f) => {
      const client = f.client();
      await assert.rejects(client.validateJWTSVID({ audience: 'svc', svid: foreignClaims(f) }), isStatus(Code.InvalidArgument, /no JWT bundle/));
      f.source.setEntry(entry(f, 'a', '/a', { federatesWith: [OTHER_TD] }));
      const { spiffeId, claims } = await client.validateJWTSVID({ audience: 'svc', svid: foreignClaims(f) });
      assert.equal(spiffeId, 'spiffe://other.org/api');
      assert.deepEqual(Object.keys(claims ?? {}).sort(), ['aud', 'exp', 'iss', 'sub']);
    });
    await withWorkloadApi(async (f) => {
      f.source.setEntry(entry(f, 'a', '/a', { federatesWith: [OTHER_TD] }));
      const { claims } = await f.client().validateJWTSVID({ audience: 'svc', svid: foreignClaims(f) });
      assert.equal(claims?.['role'], 'reader');
      assert.equal(claims?.['team'], undefined);
    }, { allowedForeignJwtClaims: ['role'] });
  });
});
