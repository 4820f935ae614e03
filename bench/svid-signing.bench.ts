/**
 * The X509-SVID signing hot path, without gRPC: the signing pool signing batches of 50 P-256
 * CSRs (pre-generated, each verified on every call), inline on the main thread and on 2 worker
 * threads (one client awaiting each batch, and 4 clients with a batch each in flight), plus
 * where the time of one item goes: CSR verification (DER parse + public-key import + ECDSA
 * verify) vs certificate signing, and for workers the transfer/queueing left over.
 * Results: bench/results/svid-signing-{inline,workers-2,workers-2-x4}.json and the summary
 * bench/results/svid-signing.json.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { ca } from '@tspire/server';
import type { X509SvidSigningRequest } from '../packages/server/dist/api/deps.js';
import type * as SigningPoolModule from '../packages/server/dist/ca/signing-pool.js';
import type { SigningAuthority, SigningPool } from '../packages/server/dist/ca/signing-pool.js';
import { runBench, type BenchResult } from './lib/harness.js';

// Not exported by @tspire/server's index (yet): load the compiled module (bench/dist/ -> packages/).
const { createSigningPool } = (await import(new URL('../../packages/server/dist/ca/signing-pool.js', import.meta.url).href)) as typeof SigningPoolModule;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const BATCH = 50;
const CLIENTS = 4;
const WORKERS = 2;
const TD = 'example.org';
const NOW_SECONDS = Math.floor(Date.now() / 1000);
const log = (line: string) => console.log(`svid-signing: ${line}`);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function createAuthority(): SigningAuthority {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const certificate = ca.createCaCertificate({ trustDomain: TD, spkiDer, subject: { country: ['US'], organization: ['SPIFFE'] }, ttlSeconds: 86_400, now: NOW_SECONDS - 60 }, key.privateKey);
  return { authorityId: 'bench', certificate, chain: [], privateKey: key.privateKey, trustDomain: TD, defaultTtlSeconds: 3600 };
}

/** What a SPIRE agent sends per entry: a fresh P-256 key, subject C=US,O=SPIRE, URI SAN = the entry ID. */
async function createCsrs(): Promise<Uint8Array[]> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const csrs: Uint8Array[] = [];
  for (let i = 0; i < BATCH; i++) {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'C=US, O=SPIRE', keys, signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${TD}/workload/w-${i}` }])],
    });
    csrs.push(new Uint8Array(csr.rawData));
  }
  return csrs;
}

/** Microseconds per call of `fn` over `rounds` passes of `items`, after as many warm-up passes (JIT). */
function microsPerItem<T>(items: readonly T[], rounds: number, fn: (item: T) => unknown): number {
  let sink = 0;
  for (let r = 0; r < rounds; r++) for (const item of items) sink += fn(item) === undefined ? 0 : 1;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const item of items) sink += fn(item) === undefined ? 0 : 1;
  const micros = ((performance.now() - start) * 1000) / (rounds * items.length);
  if (sink < 0) throw new Error('unreachable');
  return micros;
}

/** Where one item's time goes on a single thread, with the CSR primitives measured apart. */
function breakdown(authority: SigningAuthority, csrs: Uint8Array[]) {
  const signer = new ca.X509SvidSigner({ trustDomain: TD, caCertificate: authority.certificate, caPrivateKey: authority.privateKey });
  const parsed = csrs.map((csr) => ca.parseCsr(csr));
  const rounds = 40;
  const csrVerifyUs = microsPerItem(csrs, rounds, (csr) => ca.parseCsr(csr));
  const signUs = microsPerItem(parsed, rounds, (csr) => signer.sign({ spiffeId: csr.uris[0]!, spkiDer: csr.spkiDer, ttlSeconds: 3600, now: NOW_SECONDS }));
  // The two OpenSSL calls inside parseCsr, on the same keys and a same-sized message.
  const jwks = parsed.map((csr) => csr.publicKey.export({ format: 'jwk' }));
  const keyImportUs = microsPerItem(jwks, rounds, (jwk) => createPublicKey({ key: jwk, format: 'jwk' }));
  const probe = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.alloc(200, 7);
  const signature = sign('sha256', message, probe.privateKey);
  const ecdsaVerifyUs = microsPerItem([probe.publicKey], rounds * BATCH, (key) => verify('sha256', message, key, signature));
  return {
    csrVerifyUsPerItem: round(csrVerifyUs),
    csrKeyImportUs: round(keyImportUs),
    csrEcdsaVerifyUs: round(ecdsaVerifyUs),
    csrDerParseAndChecksUs: round(csrVerifyUs - keyImportUs - ecdsaVerifyUs),
    signUsPerItem: round(signUs),
    singleThreadCeilingSvidsPerSec: Math.round(1e6 / (csrVerifyUs + signUs)),
  };
}

function requestsFor(csrs: Uint8Array[]): X509SvidSigningRequest[] {
  return csrs.map((csrDer, i) => ({ spiffeId: `spiffe://${TD}/workload/w-${i}`, csrDer, dnsNames: [], ttlSeconds: 0, checkCsrUri: true }));
}

async function checkedBatch(pool: SigningPool, requests: X509SvidSigningRequest[]): Promise<void> {
  const results = await pool.signX509Svids(requests);
  for (const result of results) if (!result.ok) throw new Error(`signing failed: ${result.code} ${result.message}`);
}

async function measure(name: string, pool: SigningPool, requests: X509SvidSigningRequest[], clients: number) {
  const before = pool.stats();
  const eluBefore = performance.eventLoopUtilization();
  const result: BenchResult = await runBench({
    name,
    warmupMs: 1000,
    durationMs: 4000,
    op: async () => {
      await Promise.all(Array.from({ length: clients }, () => checkedBatch(pool, requests)));
    },
  });
  const elu = performance.eventLoopUtilization(eluBefore);
  const after = pool.stats();
  const chunks = after.chunks - before.chunks;
  const items = after.items - before.items;
  const computeMs = after.parseMs - before.parseMs + (after.signMs - before.signMs);
  return {
    svidsPerSec: Math.round(result.opsPerSec * BATCH * clients),
    batchP50Ms: round(result.p50Ms, 2),
    batchP99Ms: round(result.p99Ms, 2),
    parseUsPerItem: round(((after.parseMs - before.parseMs) * 1000) / items),
    signUsPerItem: round(((after.signMs - before.signMs) * 1000) / items),
    // Worker chunks, per chunk: computing, and the rest of dispatch-to-reply split at the worker.
    computeUsPerChunk: round((computeMs * 1000) / chunks),
    toWorkerUsPerChunk: round(((after.toWorkerMs - before.toWorkerMs) * 1000) / chunks),
    fromWorkerUsPerChunk: round(((after.fromWorkerMs - before.fromWorkerMs) * 1000) / chunks),
    itemsPerChunk: round(items / chunks),
    mainThreadBusy: round(elu.utilization, 2),
  };
}

const authority = createAuthority();
const csrs = await createCsrs();
const requests = requestsFor(csrs);
const started = Date.now();

const perItem = breakdown(authority, csrs);
log(`per item on one thread: CSR verify ${perItem.csrVerifyUsPerItem} us (key import ${perItem.csrKeyImportUs}, ECDSA verify ${perItem.csrEcdsaVerifyUs}, DER/checks ${perItem.csrDerParseAndChecksUs}), sign ${perItem.signUsPerItem} us`);

const inlinePool = createSigningPool({ authority: () => authority, size: 0 });
const inline = await measure('svid-signing-inline', inlinePool, requests, 1);
await inlinePool.close();

const workerPool = createSigningPool({ authority: () => authority, size: WORKERS });
const workers = await measure(`svid-signing-workers-${WORKERS}`, workerPool, requests, 1);
const workersConcurrent = await measure(`svid-signing-workers-${WORKERS}-x${CLIENTS}`, workerPool, requests, CLIENTS);
await workerPool.close();

const summary = {
  name: 'svid-signing',
  batch: BATCH,
  cpuCount: availableParallelism(),
  perItem,
  inline,
  [`workers${WORKERS}`]: workers,
  [`workers${WORKERS}Clients${CLIENTS}`]: workersConcurrent,
  totalSeconds: Math.round((Date.now() - started) / 1000),
  nodeVersion: process.version,
  date: new Date().toISOString(),
};
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}svid-signing.json`, JSON.stringify(summary, null, 2) + '\n');
log(`inline ${inline.svidsPerSec} SVIDs/s, ${WORKERS} workers ${workers.svidsPerSec} SVIDs/s (1 client), ${workersConcurrent.svidsPerSec} SVIDs/s (${CLIENTS} clients)`);
