import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { decodeJwt } from 'jose';
import { JwtBundle, JwtSvid, TrustDomain } from '@tspire/spiffe';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, TD_NAME } from '../../testing/fixture.test-helper.js';
import { AGENT_ID, JWT_KEY_ID, OTHER_AGENT_ID, testEntry, withAgentSvidApi } from './agent-svid-fixture.test-helper.js';

const web = testEntry({ id: 'e-web', spiffeId: `${TD_ID}/web`, jwtSvidTtl: 120 });
const db = testEntry({ id: 'e-db', spiffeId: `${TD_ID}/db` });
const withJti = testEntry({ id: 'e-jti', spiffeId: `${TD_ID}/jti`, jwtSvidIncludeJti: true });
const foreign = testEntry({ id: 'e-foreign', spiffeId: `${TD_ID}/foreign`, parentId: OTHER_AGENT_ID });
const entries = { [AGENT_ID]: [web, db, withJti], [OTHER_AGENT_ID]: [foreign] };

describe('SVID.NewJWTSVID', () => {
  it('signs a JWT-SVID for an authorized entry with its TTL, verifiable with the JWT bundle', () => withAgentSvidApi(async (f) => {
    const { svid } = await f.svid.newJWTSVID({ entryId: 'e-web', audience: ['aud1', 'aud2'] });
    assert.deepEqual([svid?.id?.trustDomain, svid?.id?.path], [TD_NAME, '/web']);
    assert.equal(svid?.issuedAt, BigInt(START_SECONDS));
    assert.equal(svid?.expiresAt, BigInt(START_SECONDS + 120), 'entry jwt_svid_ttl');
    const bundle = new JwtBundle(TrustDomain.parse(TD_NAME), [[JWT_KEY_ID, f.jwtPublicKey]]);
    const verified = await JwtSvid.parseAndValidate(svid?.token ?? '', bundle, ['aud2'], { now: new Date(START_SECONDS * 1000) });
    assert.equal(verified.id.toString(), `${TD_ID}/web`);
    assert.deepEqual(verified.audience, ['aud1', 'aud2']);
    assert.equal(verified.expiry.getTime(), (START_SECONDS + 120) * 1000);
    const { svid: defaulted } = await f.svid.newJWTSVID({ entryId: 'e-db', audience: ['aud1'] });
    assert.equal(defaulted?.expiresAt, BigInt(START_SECONDS + 300), 'ttl 0 = the default');
    assert.deepEqual(f.jwtRequests, [
      { spiffeId: `${TD_ID}/web`, audience: ['aud1', 'aud2'], ttlSeconds: 120, includeJti: false },
      { spiffeId: `${TD_ID}/db`, audience: ['aud1'], ttlSeconds: 0, includeJti: false },
    ]);
  }, { entries }));

  it('entries with jwt_svid_include_jti get a fresh jti per token; others get none', () => withAgentSvidApi(async (f) => {
    const first = await f.svid.newJWTSVID({ entryId: 'e-jti', audience: ['a'] });
    const second = await f.svid.newJWTSVID({ entryId: 'e-jti', audience: ['a'] });
    const [jti1, jti2] = [decodeJwt(first.svid?.token ?? '').jti, decodeJwt(second.svid?.token ?? '').jti];
    assert.match(jti1 ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.match(jti2 ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(jti1, jti2);
    const plain = await f.svid.newJWTSVID({ entryId: 'e-web', audience: ['a'] });
    assert.equal('jti' in decodeJwt(plain.svid?.token ?? ''), false);
    assert.deepEqual(f.jwtRequests.map((r) => r.includeJti), [true, true, false]);
  }, { entries }));

  it('refuses entries the agent may not use, missing audiences, and disabled JWT', async () => {
    await withAgentSvidApi(async (f) => {
      for (const entryId of ['', 'e-unknown', 'e-foreign']) {
        await rejectsWith(f.svid.newJWTSVID({ entryId, audience: ['a'] }), Code.NotFound, /^entry not found or not authorized$/);
      }
      await rejectsWith(f.svid.newJWTSVID({ entryId: 'e-web', audience: [] }), Code.InvalidArgument, /^at least one audience is required$/);
      await rejectsWith(f.svid.newJWTSVID({ entryId: 'e-web', audience: ['a', ''] }), Code.InvalidArgument, /^audience values must not be empty$/);
      assert.equal(f.jwtRequests.length, 0, 'nothing was signed');
    }, { entries });
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.newJWTSVID({ entryId: 'e-web', audience: ['a'] }), Code.Unimplemented, /^JWT functionality is disabled$/);
      assert.equal(f.jwtRequests.length, 0);
    }, { entries, agentApi: { disableJwtSvids: true } });
  });

  it('only agents may call; no agent API = UNIMPLEMENTED', async () => {
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.newJWTSVID({ entryId: 'e-web', audience: ['a'] }), Code.PermissionDenied, /^authorization denied for method \/spire.api.server.svid.v1.SVID\/NewJWTSVID$/);
    }, { entries, caller: { kind: 'tls', remoteAddress: '127.0.0.1' } });
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.newJWTSVID({ entryId: 'e-web', audience: ['a'] }), Code.Unimplemented, /^NewJWTSVID is not implemented$/);
    }, { entries, agentApi: false });
  });
});
