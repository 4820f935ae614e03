import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { verifyX509Svid } from '@tspire/spiffe';
import { createSigningPool } from '../../../ca/signing-pool.js';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID } from '../../testing/fixture.test-helper.js';
import { createCsr } from '../../testing/test-ca.test-helper.js';
import { AGENT_ID, OTHER_AGENT_ID, agentCallerContext, testEntry, withAgentSvidApi } from './agent-svid-fixture.test-helper.js';

const web = testEntry({ id: 'e-web', spiffeId: `${TD_ID}/web`, dnsNames: ['web.example.org', 'www.example.org'], x509SvidTtl: 600 });
const db = testEntry({ id: 'e-db', spiffeId: `${TD_ID}/db` });
const foreign = testEntry({ id: 'e-foreign', spiffeId: `${TD_ID}/foreign`, parentId: OTHER_AGENT_ID });
const entries = { [AGENT_ID]: [web, db], [OTHER_AGENT_ID]: [foreign] };
const at = new Date(START_SECONDS * 1000);

describe('SVID.BatchNewX509SVID', () => {
  const csr = {} as Record<'web' | 'db' | 'none' | 'evil' | 'foreign', Uint8Array>;
  before(async () => {
    csr.web = await createCsr({ uris: [`${TD_ID}/web`] });
    csr.db = await createCsr({ uris: [`${TD_ID}/db`] });
    csr.none = await createCsr({});
    csr.evil = await createCsr({ uris: ['spiffe://evil.org/web'] });
    csr.foreign = await createCsr({ uris: [`${TD_ID}/foreign`] });
  });

  it('signs each authorized entry with its ID, DNS names, TTL and the CA chain, in one signer call', () => withAgentSvidApi(async (f) => {
    const { results } = await f.svid.batchNewX509SVID({ params: [{ entryId: 'e-web', csr: csr.web }, { entryId: 'e-db', csr: csr.none }] });
    assert.equal(results.length, 2);
    const [webResult, dbResult] = results;
    for (const r of results) assert.deepEqual([r.status?.code, r.status?.message], [0, 'OK']);
    assert.deepEqual([webResult?.svid?.id?.trustDomain, webResult?.svid?.id?.path, dbResult?.svid?.id?.path], ['example.org', '/web', '/db']);
    assert.equal(webResult?.svid?.expiresAt, BigInt(START_SECONDS + 600), 'entry x509_svid_ttl');
    assert.equal(dbResult?.svid?.expiresAt, BigInt(START_SECONDS + 3600), 'ttl 0 = the CA default');
    for (const [r, id] of [[webResult, `${TD_ID}/web`], [dbResult, `${TD_ID}/db`]] as const) {
      const chain = r?.svid?.certChain ?? [];
      assert.equal(chain.length, 2, 'leaf and the intermediate CA');
      assert.equal(verifyX509Svid(chain, f.ca.bundle, { now: at }).id.toString(), id);
    }
    const leaf = new X509Certificate(webResult!.svid!.certChain[0]!);
    assert.equal(leaf.subject, 'C=US\nO=SPIRE\nCN=web.example.org');
    assert.equal(leaf.subjectAltName, `URI:${TD_ID}/web, DNS:web.example.org, DNS:www.example.org`);
    assert.equal(f.signerCalls.length, 1);
    assert.deepEqual(f.signerCalls[0]!.map((r) => [r.spiffeId, r.ttlSeconds, r.checkCsrUri]), [[`${TD_ID}/web`, 600, true], [`${TD_ID}/db`, 0, true]]);
  }, { entries }));

  it('refuses bad items one by one with SPIRE\'s messages and signs the rest', () => withAgentSvidApi(async (f) => {
    const tampered = Uint8Array.from(csr.web);
    tampered[tampered.length - 5]! ^= 0xff;
    const { results } = await f.svid.batchNewX509SVID({
      params: [
        { entryId: 'e-web', csr: csr.web },
        { entryId: '', csr: csr.web },
        { entryId: 'e-web' },
        { entryId: 'e-unknown', csr: csr.web },
        { entryId: 'e-foreign', csr: csr.foreign },
        { entryId: 'e-web', csr: Uint8Array.of(0x30, 0x03, 1, 2, 3) },
        { entryId: 'e-web', csr: tampered },
        { entryId: 'e-web', csr: csr.evil },
        { entryId: 'e-db', csr: csr.web },
        { entryId: 'e-db', csr: csr.db },
      ],
    });
    const statuses = results.map((r) => [r.status?.code, r.status?.message]);
    assert.deepEqual(statuses.slice(0, 5), [
      [0, 'OK'],
      [Code.InvalidArgument, 'missing entry ID'],
      [Code.InvalidArgument, 'missing CSR'],
      [Code.NotFound, 'entry not found or not authorized'],
      [Code.NotFound, 'entry not found or not authorized'],
    ]);
    assert.equal(statuses[5]?.[0], Code.InvalidArgument);
    assert.match(String(statuses[5]?.[1]), /^malformed CSR: /);
    assert.deepEqual(statuses[6], [Code.InvalidArgument, 'invalid CSR signature: CSR signature does not verify with the CSR public key']);
    assert.deepEqual(statuses[7], [Code.InvalidArgument, 'CSR URI SAN "spiffe://evil.org/web" does not match the SPIFFE ID being signed "spiffe://example.org/web"']);
    assert.deepEqual(statuses[8], [Code.InvalidArgument, 'CSR URI SAN "spiffe://example.org/web" does not match the SPIFFE ID being signed "spiffe://example.org/db"']);
    assert.deepEqual(statuses[9], [0, 'OK']);
    results.forEach((r, i) => assert.equal(r.svid !== undefined, i === 0 || i === 9, `svid only for signed item ${i}`));
    assert.equal(verifyX509Svid(results[9]!.svid!.certChain, f.ca.bundle, { now: at }).id.toString(), `${TD_ID}/db`);
    assert.equal(f.signerCalls.length, 1, 'one signer call for the whole batch');
    assert.equal(f.signerCalls[0]!.length, 6, 'unauthorized and incomplete items never reach the signer');
  }, { entries }));

  it('an empty batch is refused; only agents may call; no agent API = UNIMPLEMENTED', async () => {
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.batchNewX509SVID({}), Code.InvalidArgument, /^missing parameters$/);
      assert.equal(f.signerCalls.length, 0);
    }, { entries });
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.batchNewX509SVID({ params: [{ entryId: 'e-web', csr: csr.web }] }), Code.PermissionDenied, /^authorization denied for method \/spire.api.server.svid.v1.SVID\/BatchNewX509SVID$/);
    }, { entries, caller: { kind: 'local' } });
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.batchNewX509SVID({ params: [{ entryId: 'e-web', csr: csr.web }] }), Code.Unimplemented, /^BatchNewX509SVID is not implemented$/);
    }, { entries, agentApi: false });
  });

  it('another agent gets only its own entries', () => withAgentSvidApi(async (f) => {
    const { results } = await f.svid.batchNewX509SVID({ params: [{ entryId: 'e-foreign', csr: csr.foreign }, { entryId: 'e-web', csr: csr.web }] });
    assert.deepEqual(results.map((r) => r.status?.code), [0, Code.NotFound]);
  }, { entries, caller: agentCallerContext(OTHER_AGENT_ID) }));

  it('a closed signer fails the call UNAVAILABLE; internal item failures are logged, not sent', async () => {
    const closed = createSigningPool({ authority: () => { throw new Error('unused'); }, size: 0 });
    await closed.close();
    await withAgentSvidApi(async (f) => {
      await rejectsWith(f.svid.batchNewX509SVID({ params: [{ entryId: 'e-web', csr: csr.web }] }), Code.Unavailable, /^failed to sign X509-SVIDs: the X509-SVID signing pool is closed$/);
    }, { entries, signer: closed });
    const failing = {
      signX509Svids: async () => [
        { ok: false as const, code: 'ERR_CA_SIGNING_FAILED', message: 'failed to sign X509-SVID: key handle 0xdeadbeef vanished' },
        { ok: false as const, code: 'ERR_CA_SIGNING_WORKER_EXITED', message: 'signing worker thread exited (code 1) before signing this item; retry' },
      ],
    };
    await withAgentSvidApi(async (f) => {
      const { results } = await f.svid.batchNewX509SVID({ params: [{ entryId: 'e-web', csr: csr.web }, { entryId: 'e-db', csr: csr.db }] });
      assert.deepEqual(results.map((r) => [r.status?.code, r.status?.message]), [
        [Code.Internal, 'failed to sign X509-SVID'],
        [Code.Unavailable, 'failed to sign X509-SVID: signing worker thread exited (code 1) before signing this item; retry'],
      ]);
      assert.ok(f.logger.lines.some((l) => l.level === 'error' && String(l.fields['error']).includes('0xdeadbeef') && l.fields['entry_id'] === 'e-web'));
    }, { entries, signer: failing });
  });
});
