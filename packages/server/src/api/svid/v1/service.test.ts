import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { decodeJwt } from 'jose';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, id, withApi } from '../../testing/fixture.test-helper.js';
import { createCsr } from '../../testing/test-ca.test-helper.js';

describe('SVID service', () => {
  it('MintX509SVID signs the CSR key for its URI SAN with DNS names and the TTL', () => withApi(async (f) => {
    const csr = await createCsr({ uris: [`${TD_ID}/web`], dnsNames: ['web.example.org'] });
    const { svid } = await f.svid.mintX509SVID({ csr, ttl: 120 });
    assert.equal(svid?.id?.path, '/web');
    assert.equal(svid?.expiresAt, BigInt(START_SECONDS + 120));
    const cert = new X509Certificate(svid?.certChain[0] ?? new Uint8Array());
    assert.match(cert.subjectAltName ?? '', /URI:spiffe:\/\/example.org\/web/);
    assert.match(cert.subjectAltName ?? '', /DNS:web.example.org/);
    assert.deepEqual(f.ca.minted.x509.map((r) => [r.spiffeId, r.ttlSeconds, r.dnsNames]), [[`${TD_ID}/web`, 120, ['web.example.org']]]);
    const { svid: defaulted } = await f.svid.mintX509SVID({ csr });
    assert.equal(defaulted?.expiresAt, BigInt(START_SECONDS + 3600), 'ttl 0 = CA default');
  }));

  it('MintX509SVID rejects bad CSRs', () => withApi(async (f) => {
    await rejectsWith(f.svid.mintX509SVID({}), Code.InvalidArgument, /^missing CSR$/);
    await rejectsWith(f.svid.mintX509SVID({ csr: new Uint8Array([0x30, 0x03, 1, 2, 3]) }), Code.InvalidArgument, /^malformed CSR: /);
    await rejectsWith(f.svid.mintX509SVID({ csr: await createCsr({}) }), Code.InvalidArgument, /^CSR URI SAN is required$/);
    await rejectsWith(f.svid.mintX509SVID({ csr: await createCsr({ uris: [`${TD_ID}/a`, `${TD_ID}/b`] }) }), Code.InvalidArgument, /^only one URI SAN is expected$/);
    await rejectsWith(f.svid.mintX509SVID({ csr: await createCsr({ uris: ['spiffe://other.org/a'] }) }), Code.InvalidArgument, /not a member of trust domain/);
    await rejectsWith(f.svid.mintX509SVID({ csr: await createCsr({ uris: ['https://example.org/a'] }) }), Code.InvalidArgument, /^CSR URI SAN is invalid: scheme/);
    await rejectsWith(f.svid.mintX509SVID({ csr: await createCsr({ uris: [`${TD_ID}/x`], dnsNames: ['bad_dns'] }) }), Code.InvalidArgument, /invalid CSR DNS name "bad_dns"/);
    await rejectsWith(f.svid.mintX509SVID({ csr: await createCsr({ uris: [`${TD_ID}/x`] }), ttl: -1 }), Code.InvalidArgument, /invalid ttl/);
    const tampered = await createCsr({ uris: [`${TD_ID}/x`] });
    const at = tampered.length - 5;
    tampered[at] = (tampered[at] ?? 0) ^ 0xff;
    await rejectsWith(f.svid.mintX509SVID({ csr: tampered }), Code.InvalidArgument, /CSR signature|malformed CSR/);
    assert.equal(f.ca.minted.x509.length, 0);
  }));

  it('MintJWTSVID signs for the ID and audience', () => withApi(async (f) => {
    const { svid } = await f.svid.mintJWTSVID({ id: id('/web'), audience: ['aud1', 'aud2'], ttl: 30 });
    assert.equal(svid?.expiresAt, BigInt(START_SECONDS + 30));
    assert.equal(svid?.issuedAt, BigInt(START_SECONDS));
    const claims = decodeJwt(svid?.token ?? '');
    assert.equal(claims.sub, `${TD_ID}/web`);
    assert.deepEqual(claims.aud, ['aud1', 'aud2']);
    await rejectsWith(f.svid.mintJWTSVID({ id: id('/web'), audience: [] }), Code.InvalidArgument, /^at least one audience is required$/);
    await rejectsWith(f.svid.mintJWTSVID({ id: id('/web', 'other.org'), audience: ['a'] }), Code.InvalidArgument, /^invalid SPIFFE ID: .*not a member/);
    await rejectsWith(f.svid.mintJWTSVID({ audience: ['a'] }), Code.InvalidArgument, /^invalid SPIFFE ID: request must specify SPIFFE ID$/);
  }));

  it('a failing CA gives INTERNAL with a generic message and logs the cause', () => withApi(async (f) => {
    f.ca.mintJwtSvid = async () => { throw new Error('HSM exploded: key handle 0xdeadbeef'); };
    await rejectsWith(f.svid.mintJWTSVID({ id: id('/web'), audience: ['a'] }), Code.Internal, /^failed to sign JWT-SVID$/);
    assert.ok(f.logger.lines.some((l) => l.level === 'error' && String(l.fields['error']).includes('HSM exploded')));
  }));
});
