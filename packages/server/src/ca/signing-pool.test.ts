import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { verifyX509Svid, type X509Bundle } from '@tspire/spiffe';
import type { X509SvidSigningRequest } from '../api/deps.js';
import { createCsr } from '../api/testing/test-ca.test-helper.js';
import { checkCsrUri } from './sign-from-csr.js';
import { SigningError } from './signing-errors.js';
import { createTestSigningAuthority, type TestSigningAuthority } from './signing-authority.test-helper.js';
import { createSigningPool, type PooledSigningResult, type SigningAuthority, type SigningPool } from './signing-pool.js';

const NOW = Date.UTC(2030, 5, 1, 12, 0, 0) / 1000;
const TD = 'spiffe://example.org';
const now = () => NOW * 1000;
const crashWorker = new URL('./signing-worker-crash.test-helper.js', import.meta.url);

function ok(result: PooledSigningResult | undefined): Extract<PooledSigningResult, { ok: true }> {
  assert.ok(result?.ok, `expected a signed result, got ${JSON.stringify(result)}`);
  return result;
}

function failed(result: PooledSigningResult | undefined, code: string): string {
  assert.ok(result !== undefined && !result.ok, `expected ${code}, got ${result?.ok === true ? 'a signed SVID' : 'nothing'}`);
  assert.equal(result.code, code, result.message);
  return result.message;
}

/** The leaf's URI SANs and DNS names as node reports them. */
function sans(leaf: Uint8Array): string[] {
  return (new X509Certificate(leaf).subjectAltName ?? '').split(', ').sort();
}

function verifies(result: Extract<PooledSigningResult, { ok: true }>, bundle: X509Bundle, spiffeId: string): void {
  const { id } = verifyX509Svid(result.certChainDer, bundle, { now: new Date(NOW * 1000) });
  assert.equal(id.toString(), spiffeId);
}

describe('signing pool', () => {
  const csrs = new Map<string, Uint8Array>();
  /** A CSR with URI SAN `TD + path` (or none for ''), made once per path. */
  const csrFor = (path: string) => csrs.get(path)!;
  before(async () => {
    for (const path of ['', '/web', '/other', ...Array.from({ length: 20 }, (_, i) => `/w/${i}`)]) {
      csrs.set(path, await createCsr(path === '' ? {} : { uris: [`${TD}${path}`] }));
    }
    csrs.set('foreign', await createCsr({ uris: ['spiffe://evil.org/web'] }));
    csrs.set('two', await createCsr({ uris: [`${TD}/web`, `${TD}/other`] }));
  });

  const pools: SigningPool[] = [];
  after(() => Promise.all(pools.map((p) => p.close())));
  function pool(authority: () => SigningAuthority, size: number, workerUrl?: URL): SigningPool {
    const created = createSigningPool({ authority, size, now, ...(workerUrl === undefined ? {} : { workerUrl }) });
    pools.push(created);
    return created;
  }
  /** One inline pool and one of 2 workers (starting workers costs ~0.25 s), signing with `shared.ca`. */
  const shared = { ca: undefined as unknown as TestSigningAuthority };
  const sharedPools = new Map<number, SigningPool>();
  const sharedPool = (size: number): SigningPool => {
    if (!sharedPools.has(size)) sharedPools.set(size, pool(() => shared.ca.authority, size));
    return sharedPools.get(size)!;
  };
  const useCa = (ca: TestSigningAuthority): TestSigningAuthority => (shared.ca = ca);

  for (const size of [0, 2]) {
    const mode = size === 0 ? 'inline' : `${size} workers`;

    it(`${mode}: signs SVIDs that verify against the bundle, with SAN, CN, TTL and chain`, async () => {
      const ca = useCa(createTestSigningAuthority({ now: NOW - 60, intermediate: true, defaultTtlSeconds: 1800 }));
      const signer = sharedPool(size);
      const chunksBefore = signer.stats().chunks;
      const requests: X509SvidSigningRequest[] = Array.from({ length: 20 }, (_, i) => ({
        spiffeId: `${TD}/w/${i}`, csrDer: csrFor(`/w/${i}`), dnsNames: i % 2 === 0 ? [`w${i}.example.org`, 'alt.example.org'] : [],
        ttlSeconds: i === 0 ? 0 : 60 + i, checkCsrUri: true,
      }));
      requests.push({ spiffeId: `${TD}/web`, csrDer: csrFor('/web'), dnsNames: [], ttlSeconds: 10 * 86_400, checkCsrUri: true });
      const results = await signer.signX509Svids(requests);
      assert.equal(results.length, requests.length);
      requests.forEach((request, i) => {
        const result = ok(results[i]);
        verifies(result, ca.bundle, request.spiffeId);
        assert.equal(result.authorityId, ca.authority.authorityId);
        assert.equal(result.certChainDer.length, 2, 'leaf + intermediate CA');
        assert.deepEqual(Buffer.from(result.certChainDer[1]!), Buffer.from(ca.authority.certificate));
        const leaf = new X509Certificate(result.certChainDer[0]!);
        assert.deepEqual(sans(result.certChainDer[0]!), [`URI:${request.spiffeId}`, ...request.dnsNames.map((d) => `DNS:${d}`)].sort());
        assert.equal(leaf.subject, request.dnsNames.length > 0 ? `C=US\nO=SPIRE\nCN=${request.dnsNames[0]}` : 'C=US\nO=SPIRE');
        assert.equal(leaf.serialNumber.toLowerCase().replace(/^0+/, ''), result.serialHex.replace(/^0+/, ''));
        const ttl = i === 0 ? 1800 : request.ttlSeconds;
        const expected = Math.min(NOW + ttl, ca.notAfter);
        assert.equal(result.expiresAt, expected, `item ${i}`);
        assert.equal(Date.parse(leaf.validTo) / 1000, expected);
      });
      assert.equal(ok(results.at(-1)).expiresAt, ca.notAfter, 'a TTL beyond the CA is capped at its notAfter');
      const stats = signer.stats();
      assert.equal(stats.chunks - chunksBefore, size === 0 ? 1 : 2, 'a batch of 21 is split over both workers');
      assert.ok(stats.parseMs > 0 && stats.signMs > 0);
    });

    it(`${mode}: a bad item fails alone with a clear code, in request order`, async () => {
      const ca = useCa(createTestSigningAuthority({ now: NOW - 60 }));
      const signer = sharedPool(size);
      const tampered = Uint8Array.from(csrFor('/web'));
      tampered[tampered.length - 5]! ^= 0xff;
      const item = (spiffeId: string, csrDer: Uint8Array, checkCsrUri = true): X509SvidSigningRequest => ({ spiffeId, csrDer, dnsNames: [], ttlSeconds: 0, checkCsrUri });
      const results = await signer.signX509Svids([
        item(`${TD}/web`, csrFor('/web')),
        item(`${TD}/web`, Uint8Array.of(0x30, 0x03, 1, 2, 3)),
        item(`${TD}/web`, tampered),
        item(`${TD}/web`, new Uint8Array()),
        item(`${TD}/web`, csrFor('foreign')),
        item(`${TD}/web`, csrFor('/other')),
        item(`${TD}/web`, csrFor('two')),
        item('spiffe://evil.org/web', csrFor('')),
        item(`${TD}/agent`, csrFor('/other'), false),
        item(`${TD}/web`, csrFor('')),
      ]);
      verifies(ok(results[0]), ca.bundle, `${TD}/web`);
      assert.match(failed(results[1], 'ERR_CA_MALFORMED_CSR'), /^malformed CSR: /);
      assert.match(failed(results[2], 'ERR_CA_BAD_CSR_SIGNATURE'), /does not verify/);
      assert.match(failed(results[3], 'ERR_CA_MALFORMED_CSR'), /^malformed CSR: /);
      assert.equal(failed(results[4], 'ERR_CA_CSR_URI_MISMATCH'), 'CSR URI SAN "spiffe://evil.org/web" does not match the SPIFFE ID being signed "spiffe://example.org/web"');
      assert.match(failed(results[5], 'ERR_CA_CSR_URI_MISMATCH'), /"spiffe:\/\/example.org\/other" does not match .*"spiffe:\/\/example.org\/web"/);
      assert.match(failed(results[6], 'ERR_CA_CSR_URI_MISMATCH'), /CSR has 2 URI SANs; expected none or exactly "spiffe:\/\/example.org\/web"/);
      assert.match(failed(results[7], 'ERR_CA_INVALID_SVID_REQUEST'), /evil\.org/);
      assert.deepEqual(sans(ok(results[8]).certChainDer[0]!), [`URI:${TD}/agent`], 'unchecked: only the key of the CSR is used');
      verifies(ok(results[9]), ca.bundle, `${TD}/web`);
    });
  }

  it('inline and workers sign the same requests the same way', async () => {
    useCa(createTestSigningAuthority({ now: NOW - 60, intermediate: true }));
    const requests: X509SvidSigningRequest[] = [
      { spiffeId: `${TD}/web`, csrDer: csrFor('/web'), dnsNames: ['web.example.org'], ttlSeconds: 0, checkCsrUri: true },
      { spiffeId: `${TD}/web`, csrDer: csrFor('/other'), dnsNames: [], ttlSeconds: 0, checkCsrUri: true },
      ...Array.from({ length: 12 }, (_, i) => ({ spiffeId: `${TD}/w/${i}`, csrDer: csrFor(`/w/${i}`), dnsNames: [], ttlSeconds: 100 + i, checkCsrUri: true })),
    ];
    const shape = (results: PooledSigningResult[]) => results.map((r) => (r.ok
      ? { expiresAt: r.expiresAt, authorityId: r.authorityId, sans: sans(r.certChainDer[0]!), subject: new X509Certificate(r.certChainDer[0]!).subject, chain: r.certChainDer.length }
      : { code: r.code, message: r.message }));
    const inline = shape(await sharedPool(0).signX509Svids(requests));
    const workers = shape(await sharedPool(2).signX509Svids(requests));
    assert.deepEqual(workers, inline);
    assert.equal(inline.filter((r) => 'code' in r).length, 1);
  });

  for (const size of [0, 2]) {
    it(`${size === 0 ? 'inline' : 'workers'}: a CA rotation takes effect with the next batch, batches in flight keep theirs`, async () => {
      const first = createTestSigningAuthority({ now: NOW - 60 });
      const second = createTestSigningAuthority({ now: NOW - 30, intermediate: true });
      const signer = sharedPool(size);
      useCa(first);
      const batch = Array.from({ length: 16 }, (_, i) => ({ spiffeId: `${TD}/w/${i}`, csrDer: csrFor(`/w/${i}`), dnsNames: [], ttlSeconds: 0, checkCsrUri: true }));
      const before = signer.signX509Svids(batch);
      useCa(second);
      const afterRotation = signer.signX509Svids(batch);
      useCa(first);
      const back = signer.signX509Svids(batch.slice(0, 3));
      for (const [results, ca] of [[await before, first], [await afterRotation, second], [await back, first]] as const) {
        assert.equal(results.length > 0, true);
        for (const [i, result] of results.entries()) {
          const signed = ok(result);
          assert.equal(signed.authorityId, ca.authority.authorityId);
          assert.equal(signed.certChainDer.length, ca === second ? 2 : 1);
          verifies(signed, ca.bundle, `${TD}/w/${i}`);
          const other = ca === first ? second : first;
          assert.throws(() => verifyX509Svid(signed.certChainDer.slice(0, 1), other.bundle, { now: new Date(NOW * 1000) }), /neither among the given intermediates nor in the X.509 bundle/);
        }
      }
    });
  }

  it('a crashed worker fails only its items and is replaced', async () => {
    const ca = createTestSigningAuthority({ now: NOW - 60 });
    const signer = pool(() => ca.authority, 2, crashWorker);
    const batch: X509SvidSigningRequest[] = Array.from({ length: 16 }, (_, i) => ({ spiffeId: `${TD}/w/${i}`, csrDer: csrFor(`/w/${i}`), dnsNames: [], ttlSeconds: 0, checkCsrUri: false }));
    batch[0] = { ...batch[0]!, spiffeId: `${TD}/crash` };
    const results = await signer.signX509Svids(batch);
    for (let i = 0; i < 8; i++) {
      assert.match(failed(results[i], 'ERR_CA_SIGNING_WORKER_EXITED'), /^signing worker thread exited \(code 70\) before signing this item; retry$/);
    }
    for (let i = 8; i < 16; i++) verifies(ok(results[i]), ca.bundle, `${TD}/w/${i}`);
    batch[0] = { ...batch[0]!, spiffeId: `${TD}/w/0` };
    const again = await signer.signX509Svids(batch);
    again.forEach((result, i) => verifies(ok(result), ca.bundle, `${TD}/w/${i}`));
    assert.equal(signer.stats().workerRestarts, 1);
    assert.equal(signer.stats().chunks, 4, 'the replacement took its share of the second batch');
  });

  it('close fails chunks in flight and refuses new batches', async () => {
    const ca = createTestSigningAuthority({ now: NOW - 60 });
    const signer = pool(() => ca.authority, 2);
    const inFlight = signer.signX509Svids([{ spiffeId: `${TD}/web`, csrDer: csrFor('/web'), dnsNames: [], ttlSeconds: 0 }]);
    await signer.close(); // the workers are still starting: nothing can have been signed
    assert.match(failed((await inFlight)[0], 'ERR_CA_SIGNING_POOL_CLOSED'), /closed before this item was signed/);
    await assert.rejects(signer.signX509Svids([]), (err: unknown) => err instanceof SigningError && err.code === 'ERR_CA_SIGNING_POOL_CLOSED');
  });

  it('rejects the batch when there is no CA, and bad sizes', async () => {
    const signer = pool(() => { throw new SigningError('ERR_CA_SIGNING_FAILED', 'no CA yet'); }, 0);
    assert.deepEqual(await signer.signX509Svids([]), []);
    await assert.rejects(signer.signX509Svids([{ spiffeId: `${TD}/web`, csrDer: csrFor('/web'), dnsNames: [], ttlSeconds: 0 }]), /no CA yet/);
    assert.throws(() => createSigningPool({ authority: () => { throw new Error('unused'); }, size: -1 }), /size must be a whole number >= 0, got -1/);
    assert.throws(() => createSigningPool({ authority: () => { throw new Error('unused'); }, size: 1.5 }), RangeError);
  });

  it('a CA the worker cannot load fails every item with its reason', async () => {
    const ca = createTestSigningAuthority({ now: NOW - 60 });
    for (const size of [0, 1]) {
      const broken = { ...ca.authority, authorityId: `broken-${size}`, certificate: Uint8Array.of(0x30, 0x00) };
      const results = await pool(() => broken, size).signX509Svids([{ spiffeId: `${TD}/web`, csrDer: csrFor('/web'), dnsNames: [], ttlSeconds: 0 }]);
      assert.match(failed(results[0], 'ERR_CA_MALFORMED_CERTIFICATE'), /CA certificate/);
    }
  });
});

describe('checkCsrUri', () => {
  it('accepts no URI or exactly the ID, refuses anything else naming both IDs', () => {
    checkCsrUri([], `${TD}/web`);
    checkCsrUri([`${TD}/web`], `${TD}/web`);
    assert.throws(() => checkCsrUri([`${TD}/web/`], `${TD}/web`), /CSR URI SAN "spiffe:\/\/example.org\/web\/" does not match the SPIFFE ID being signed "spiffe:\/\/example.org\/web"/);
    assert.throws(() => checkCsrUri([`${TD}/web`, `${TD}/web`], `${TD}/web`), (err: unknown) => err instanceof SigningError && err.code === 'ERR_CA_CSR_URI_MISMATCH');
    assert.throws(() => checkCsrUri([`spiffe://x/${'a'.repeat(500)}`], `${TD}/web`), (err: unknown) => err instanceof Error && err.message.length < 300);
  });
});
