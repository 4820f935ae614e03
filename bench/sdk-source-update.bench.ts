/**
 * X509Source update latency and read cost, against the in-process fake Workload API of
 * @tspire/workload's tests (connect-node on node:http2, a real UNIX socket):
 * - `sdk-source-update`: from the fake pushing a new X509SVIDResponse (one SVID with a fresh
 *   P-256 key, the trust domain's bundle) on the open FetchX509SVID stream to the source's
 *   onUpdate callback seeing the new SVID from getX509Svid(). N = 200 samples, one at a time;
 *   the fake and the source share this process, so the time includes the fake's encoding.
 * - `sdk-source-update-parse`: the parse part alone (X509Svid.parseDer + X509Bundle.parseDer of
 *   the same message fields), to show how much of an update is certificate and key parsing.
 * - `sdk-source-get-x509-svid`: source.getX509Svid() calls per second.
 */
import { X509Certificate } from 'node:crypto';
import { TrustDomain, X509Bundle, X509Svid } from '@tspire/spiffe';
import { X509Source } from '@tspire/workload';
import { runBench } from './lib/harness.js';
import { writeResult } from './lib/concurrent.js';
import { summarize } from './lib/stats.js';
import { loadFakeWorkloadApi } from './lib/sdk-fake-api.js';

const SAMPLES = 200;
const WARMUP_SAMPLES = 20;

const { FakeWorkloadApi, fakeTrustDomain, x509SvidMessage } = await loadFakeWorkloadApi();
const domain = await fakeTrustDomain('example.org');
const messages: { svid: Awaited<ReturnType<typeof x509SvidMessage>>; serial: string }[] = [];
for (let i = 0; i < SAMPLES + WARMUP_SAMPLES + 1; i++) {
  const svid = await x509SvidMessage(domain, '/bench/workload');
  messages.push({ svid, serial: new X509Certificate(svid.x509Svid as Uint8Array).serialNumber });
}

const api = await FakeWorkloadApi.start();
api.set('x509', { svids: [messages[0]!.svid] });
const source = await X509Source.create({ clientOptions: { address: api.address }, timeoutMs: 10_000 });

/** Pushes message `i` and resolves with the milliseconds until onUpdate saw its SVID. */
function update(i: number): Promise<number> {
  const { svid, serial } = messages[i]!;
  return new Promise((resolve) => {
    let t0 = 0;
    const stop = source.onUpdate(() => {
      if (source.getX509Svid().certificates[0]!.serialNumber !== serial) return;
      const ms = performance.now() - t0;
      stop();
      resolve(ms);
    });
    t0 = performance.now();
    api.set('x509', { svids: [svid] });
  });
}

const latencies: number[] = [];
for (let i = 1; i < messages.length; i++) {
  const ms = await update(i);
  if (i > WARMUP_SAMPLES) latencies.push(ms);
}
const s = summarize(latencies);
const path = writeResult('sdk-source-update', {
  samples: latencies.length,
  warmupSamples: WARMUP_SAMPLES,
  p50Ms: s.p50,
  p95Ms: s.p95,
  p99Ms: s.p99,
  meanMs: s.mean,
  minMs: s.min,
  maxMs: s.max,
  transport: 'unix socket, fake Workload API in the same process',
});
console.log(
  `sdk-source-update: ${latencies.length} updates  p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ` +
    `max ${s.max.toFixed(3)} ms  (${path})`,
);

const last = messages[messages.length - 1]!.svid;
const td = TrustDomain.parse('example.org');
let checksum = 0;
await runBench({
  name: 'sdk-source-update-parse',
  warmupMs: 300,
  durationMs: 2000,
  op: () => {
    const svid = X509Svid.parseDer(last.x509Svid as Uint8Array, last.x509SvidKey as Uint8Array);
    checksum += svid.certificates.length + X509Bundle.parseDer(td, last.bundle as Uint8Array).x509Authorities().length;
  },
});

await runBench({
  name: 'sdk-source-get-x509-svid',
  warmupMs: 300,
  durationMs: 2000,
  batch: 1000,
  op: () => {
    checksum += source.getX509Svid().certificates.length;
  },
});

await source.close();
await api.dispose();
if (checksum === 0) throw new Error('sdk-source-update: nothing was read');
