/**
 * Entry-to-workload latency: the time from BatchCreateEntry (admin API, over the server's admin
 * socket, as `spire-server entry create` sends it) to the new SVID on an already open
 * FetchX509SVID stream of the real agent. N samples per configuration:
 *  - defaults: agent sync_interval 5s, server cache_reload_interval 1s;
 *  - agent `experimental { sync_interval = "200ms" }`;
 *  - that and server `experimental { cache_reload_interval = "100ms" }`.
 * Two pollers sit on the path: the server's authorized-entries cache (reloaded every
 * cache_reload_interval) and the agent's sync loop (every sync_interval), so a sample is about
 * the wait for both ticks plus signing. Entries are created at a random phase (a delay uniform
 * over the longer interval), so samples are not locked to one point of the sync cycle.
 * Results: bench/results/agent-stream-latency-<config>.json and agent-stream-latency.json.
 */
import { benchDir, createBatch } from './lib/admin-server.js';
import { benchCluster } from './lib/agent-process.js';
import { writeResult } from './lib/concurrent.js';
import { summarize } from './lib/stats.js';
import { openX509Stream, uidEntry, unixSocket, type X509Stream } from './lib/workload-calls.js';

const SAMPLES = Number(process.env['TSPIRE_BENCH_STREAM_SAMPLES'] ?? 20);
const SAMPLE_TIMEOUT_MS = 30_000;
const log = (line: string) => console.log(`agent-stream-latency: ${line}`);

interface Config {
  readonly name: string;
  readonly syncIntervalMs: number;
  readonly cacheReloadMs: number;
  readonly agentExtra?: string;
  readonly serverExtra?: string;
}

const CONFIGS: Config[] = [
  { name: 'defaults', syncIntervalMs: 5000, cacheReloadMs: 1000 },
  { name: 'sync-200ms', syncIntervalMs: 200, cacheReloadMs: 1000, agentExtra: 'experimental { sync_interval = "200ms" }' },
  {
    name: 'sync-200ms-reload-100ms',
    syncIntervalMs: 200,
    cacheReloadMs: 100,
    agentExtra: 'experimental { sync_interval = "200ms" }',
    serverExtra: 'experimental { cache_reload_interval = "100ms" }',
  },
];

/** Takes responses until one carries `spiffeId`; rejects after the timeout. */
async function untilServed(stream: X509Stream, spiffeId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${spiffeId} did not reach the stream within ${SAMPLE_TIMEOUT_MS} ms`)), SAMPLE_TIMEOUT_MS);
  });
  try {
    for (;;) {
      const response = await Promise.race([stream.next(), timeout]);
      if (response.svids.some((svid) => svid.spiffeId === spiffeId)) return;
    }
  } finally {
    clearTimeout(timer);
  }
}

async function runConfig(config: Config) {
  const dir = benchDir(`tspire-bench-agent-stream-${config.name}-`);
  const cluster = await benchCluster(dir.path, {
    ...(config.agentExtra ? { agent: { agentExtra: config.agentExtra } } : {}),
    ...(config.serverExtra ? { serverExtra: config.serverExtra } : {}),
  });
  let stream: X509Stream | undefined;
  try {
    const uid = process.getuid!();
    await createBatch(cluster.entries, [uidEntry(cluster.agentId, '/workload/base', uid)]);
    // The stream needs an identity to open (PERMISSION_DENIED otherwise): retry until the first sync.
    const deadline = Date.now() + SAMPLE_TIMEOUT_MS;
    for (;;) {
      stream = openX509Stream(unixSocket(cluster.agent.socketPath));
      try {
        await stream.next();
        break;
      } catch (err) {
        stream.close();
        if (Date.now() > deadline) throw new Error(`no SVID for the base entry: ${(err as Error).message}\n${cluster.agent.output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const latencies: number[] = [];
    const createMs: number[] = [];
    const phaseMs = Math.max(config.syncIntervalMs, config.cacheReloadMs);
    for (let i = 0; i < SAMPLES; i++) {
      await new Promise((r) => setTimeout(r, Math.random() * phaseMs));
      const path = `/workload/latency-${i}`;
      const t0 = performance.now();
      await createBatch(cluster.entries, [uidEntry(cluster.agentId, path, uid)]);
      createMs.push(performance.now() - t0);
      await untilServed(stream, `spiffe://example.org${path}`);
      latencies.push(performance.now() - t0);
    }
    const s = summarize(latencies);
    const c = summarize(createMs);
    const result = {
      config: config.name,
      syncIntervalMs: config.syncIntervalMs,
      cacheReloadIntervalMs: config.cacheReloadMs,
      samples: latencies.length,
      p50Ms: s.p50,
      p95Ms: s.p95,
      maxMs: s.max,
      minMs: s.min,
      meanMs: s.mean,
      batchCreateEntryP50Ms: c.p50,
      latenciesMs: latencies.map((v) => Math.round(v)),
    };
    writeResult(`agent-stream-latency-${config.name}`, result);
    log(
      `${config.name} (sync ${config.syncIntervalMs} ms, server cache reload ${config.cacheReloadMs} ms): ` +
        `p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms, max ${s.max.toFixed(0)} ms, min ${s.min.toFixed(0)} ms ` +
        `(${latencies.length} samples; BatchCreateEntry itself p50 ${c.p50.toFixed(1)} ms)`,
    );
    return result;
  } finally {
    stream?.close();
    await cluster.close();
    dir.cleanup();
  }
}

const results = [];
for (const config of CONFIGS) results.push(await runConfig(config));
writeResult('agent-stream-latency', {
  samplesPerConfig: SAMPLES,
  configs: Object.fromEntries(results.map((r) => [r.config, { p50Ms: r.p50Ms, p95Ms: r.p95Ms, maxMs: r.maxMs, syncIntervalMs: r.syncIntervalMs, cacheReloadIntervalMs: r.cacheReloadIntervalMs }])),
});
