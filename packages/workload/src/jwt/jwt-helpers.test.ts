import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JwtBundle, JwtBundleSet, JwtSvid, TrustDomain, isSpiffeError, type JwtSvidSource } from '@tspire/spiffe';
import { keyPairFor, signToken } from '@tspire/spiffe/testing';
import type { CallOptions, JwtSvidParams } from '../client/types.js';
import { isWorkloadError } from '../errors.js';
import { bearerToken, fetchJwtSvid, validateJwtSvidLocally, validateJwtSvidWithWorkloadApi } from './index.js';

const NOW = new Date('2030-06-01T12:00:00Z');
const clock = { now: () => NOW };
const exampleTd = TrustDomain.parse('example.org');
const keys = keyPairFor('ES256');
const bundles = new JwtBundleSet([new JwtBundle(exampleTd, [['kid-1', keys.publicKey]])]);
const AUDIENCE = 'spiffe://example.org/api';

function token(claims: Record<string, unknown> = {}, kid = 'kid-1', privateKey = keys.privateKey): string {
  const exp = Math.floor(NOW.getTime() / 1000) + 300;
  return signToken({ alg: 'ES256', typ: 'JWT', kid }, { sub: 'spiffe://example.org/web', aud: [AUDIENCE], exp, ...claims }, privateKey);
}

test('validateJwtSvidLocally accepts a token signed by the trust domain key for the audience', async () => {
  const svid = await validateJwtSvidLocally(token(), bundles, AUDIENCE, { clock });
  assert.equal(svid.id.toString(), 'spiffe://example.org/web');
  assert.deepEqual(svid.audience, [AUDIENCE]);
  // Any one of several expected audiences is enough.
  await validateJwtSvidLocally(token(), bundles, ['spiffe://example.org/other', AUDIENCE], { clock });
});

test('validateJwtSvidLocally refuses bad tokens with the rule they break', async () => {
  const stranger = keyPairFor('ES256');
  const cases: Array<[string, string, string | string[]]> = [
    ['wrong audience', token(), 'spiffe://example.org/billing'],
    ['expired', token({ exp: Math.floor(NOW.getTime() / 1000) - 120 }), AUDIENCE],
    ['unknown kid', token({}, 'kid-2'), AUDIENCE],
    ['signed by another key', token({}, 'kid-1', stranger.privateKey), AUDIENCE],
    ['another trust domain', token({ sub: 'spiffe://other.org/web' }), AUDIENCE],
  ];
  const expected = ['ERR_JWT_AUDIENCE_MISMATCH', 'ERR_JWT_EXPIRED', 'ERR_JWT_UNKNOWN_KID', 'ERR_JWT_BAD_SIGNATURE', 'ERR_JWT_NO_BUNDLE'];
  for (const [index, [name, jwt, audience]] of cases.entries()) {
    await assert.rejects(validateJwtSvidLocally(jwt, bundles, audience, { clock }), (err) => isSpiffeError(err) && err.code === expected[index], name);
  }
});

test('validateJwtSvidLocally honours the leeway and needs an audience and a bundle source', async () => {
  const justExpired = token({ exp: Math.floor(NOW.getTime() / 1000) - 30 });
  await validateJwtSvidLocally(justExpired, bundles, AUDIENCE, { clock }); // within the default 60 s
  await assert.rejects(validateJwtSvidLocally(justExpired, bundles, AUDIENCE, { clock, leewaySeconds: 0 }), (err) => isSpiffeError(err, 'ERR_JWT_EXPIRED'));
  await assert.rejects(validateJwtSvidLocally(token(), bundles, [], { clock }), (err) => isWorkloadError(err, 'ERR_WORKLOAD_BAD_REQUEST'));
  await assert.rejects(validateJwtSvidLocally(token(), {} as never, AUDIENCE), /JWT bundle source/);
});

/** A JWT-SVID fetcher that mints real tokens for whatever it is asked, and records the asks. */
class MintingFetcher {
  readonly calls: Array<{ params: JwtSvidParams; options?: CallOptions }> = [];
  async fetchJwtSvid(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid> {
    this.calls.push({ params, ...(options === undefined ? {} : { options }) });
    const aud = [params.audience, ...(params.extraAudiences ?? [])];
    const sub = params.spiffeId === undefined ? 'spiffe://example.org/web' : String(params.spiffeId);
    return JwtSvid.parseInsecure(token({ aud, sub }), aud, { now: NOW });
  }
}

test('fetchJwtSvid passes the audiences, the asked ID and call options, and the token validates', async () => {
  const fetcher = new MintingFetcher();
  const controller = new AbortController();
  const svid = await fetchJwtSvid(fetcher, [AUDIENCE, 'spiffe://example.org/extra'], {
    spiffeId: 'spiffe://example.org/web2',
    timeoutMs: 500,
    signal: controller.signal,
  });
  assert.deepEqual(fetcher.calls[0]?.params, { audience: AUDIENCE, extraAudiences: ['spiffe://example.org/extra'], spiffeId: 'spiffe://example.org/web2' });
  assert.equal(fetcher.calls[0]?.options?.timeoutMs, 500);
  assert.equal(fetcher.calls[0]?.options?.signal, controller.signal);
  const checked = await validateJwtSvidLocally(svid.token, bundles, AUDIENCE, { clock });
  assert.equal(checked.id.toString(), 'spiffe://example.org/web2');
});

test('fetchJwtSvid works with a one-method JwtSvidSource and refuses an empty audience', async () => {
  const source: JwtSvidSource = { fetchJwtSvid: (params) => new MintingFetcher().fetchJwtSvid(params) };
  assert.deepEqual((await fetchJwtSvid(source, AUDIENCE)).audience, [AUDIENCE]);
  await assert.rejects(fetchJwtSvid(source, ''), (err) => isWorkloadError(err, 'ERR_WORKLOAD_BAD_REQUEST') && /audience/.test(err.message));
  await assert.rejects(fetchJwtSvid({} as never, AUDIENCE), /WorkloadApiClient or a JwtSource/);
});

test('validateJwtSvidWithWorkloadApi asks the client for one audience and returns its answer', async () => {
  const asked: Array<[string, string]> = [];
  const client = {
    async validateJwtSvid(jwt: string, audience: string): Promise<JwtSvid> {
      asked.push([jwt, audience]);
      return JwtSvid.parseInsecure(jwt, [audience], { now: NOW });
    },
  };
  const jwt = token();
  const svid = await validateJwtSvidWithWorkloadApi(client, jwt, AUDIENCE);
  assert.deepEqual(asked, [[jwt, AUDIENCE]]);
  assert.equal(svid.id.toString(), 'spiffe://example.org/web');
  await assert.rejects(validateJwtSvidWithWorkloadApi(client, '', AUDIENCE), /token to validate is empty/);
  await assert.rejects(validateJwtSvidWithWorkloadApi(client, jwt, ''), /audience/);
});

test('bearerToken reads Authorization: Bearer values only', () => {
  assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
  assert.equal(bearerToken('Bearer a b'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});
