/**
 * The server's admin API over its UNIX socket, as `spire-server entry ...` drives it:
 *  (a) registration entries created per second through BatchCreateEntry, 50 per call;
 *  (b) `entry show` latency with 10k entries stored: ListEntries filtered by SPIFFE ID, and GetEntry;
 *  (c) memory of the real `spire-server run` process (VmRSS) idle, after 10k and after 100k entries.
 * (a) and (b) run the server in this process (startServer, temp SQLite); (c) spawns the bin so
 * the client's memory is not counted. Loading 100k entries through the API dominates the run
 * (about 2 minutes on 2 cores). Results: bench/results/server-admin-*.json, and
 * server-admin-summary.json with the derived numbers (entries/s, RSS in MiB).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBench } from './lib/harness.js';
import {
  ChildServer,
  TRUST_DOMAIN,
  benchDir,
  benchEntry,
  createBatch,
  entryClient,
  loadEntries,
  seedEntries,
  startInProcessServer,
} from './lib/admin-server.js';

const BATCH = 50;
const SHOW_STORE_SIZE = 10_000;
const RSS_STEPS = [10_000, 100_000] as const;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const log = (line: string) => console.log(`server-admin: ${line}`);

/** (a) BatchCreateEntry throughput, 50 new entries per call. */
async function benchBatchCreate(): Promise<{ entriesPerSec: number; callP50Ms: number; storedAtEnd: number }> {
  const dir = benchDir('tspire-bench-create-');
  const server = await startInProcessServer(dir.path);
  const { client, close } = entryClient(server.adminSocket.socketPath);
  try {
    let next = 0;
    const result = await runBench({
      name: 'server-admin-batch-create-50',
      warmupMs: 1000,
      durationMs: 5000,
      op: async () => {
        const entries = [];
        for (let i = 0; i < BATCH; i++) entries.push(benchEntry(next++));
        await createBatch(client, entries);
      },
    });
    const { count } = await client.countEntries({});
    if (count !== next) throw new Error(`stored ${count} entries, created ${next}`);
    return { entriesPerSec: result.opsPerSec * BATCH, callP50Ms: result.p50Ms, storedAtEnd: count };
  } finally {
    close();
    await server.stop();
    dir.cleanup();
  }
}

/** (b) ListEntries by SPIFFE ID and GetEntry, random entries of a 10k store. */
async function benchShow(): Promise<{ listP50Ms: number; listP99Ms: number; getP50Ms: number; getP99Ms: number }> {
  const dir = benchDir('tspire-bench-show-');
  const server = await startInProcessServer(dir.path);
  const { client, close } = entryClient(server.adminSocket.socketPath);
  try {
    // Reads are measured here, so the store is filled through the datastore (fast), not the API.
    const ids = await seedEntries(server, 0, SHOW_STORE_SIZE);
    const { count } = await client.countEntries({});
    if (count !== SHOW_STORE_SIZE) throw new Error(`store holds ${count} entries`);
    let pick = 0;
    // A fixed stride through the store, so every run reads the same entries in the same order.
    const nextIndex = () => (pick = (pick + 7919) % SHOW_STORE_SIZE);
    let checksum = 0;
    const list = await runBench({
      name: 'server-admin-list-by-spiffe-id-10k',
      warmupMs: 500,
      durationMs: 3000,
      op: async () => {
        const n = nextIndex();
        const response = await client.listEntries({
          filter: { bySpiffeId: { trustDomain: TRUST_DOMAIN, path: `/workload/w-${n}` } },
        });
        if (response.entries.length !== 1) throw new Error(`w-${n}: ${response.entries.length} entries`);
        checksum += response.entries[0]?.selectors.length ?? 0;
      },
    });
    const get = await runBench({
      name: 'server-admin-get-entry-10k',
      warmupMs: 500,
      durationMs: 3000,
      op: async () => {
        const entry = await client.getEntry({ id: ids[nextIndex()] as string });
        checksum += entry.selectors.length;
      },
    });
    if (checksum === 0) throw new Error('no entries were read');
    return { listP50Ms: list.p50Ms, listP99Ms: list.p99Ms, getP50Ms: get.p50Ms, getP99Ms: get.p99Ms };
  } finally {
    close();
    await server.stop();
    dir.cleanup();
  }
}

/** (c) VmRSS of the real server: idle, then after each step of loading, then after listing everything. */
async function benchRss(): Promise<Record<string, number>> {
  const dir = benchDir('tspire-bench-rss-');
  const server = await ChildServer.start(dir.path);
  const { client, close } = entryClient(server.socketPath);
  const out: Record<string, number> = {};
  try {
    await client.countEntries({});
    out['idleRssMiB'] = mib(server.memory().rssBytes);
    let loaded = 0;
    for (const step of RSS_STEPS) {
      const started = Date.now();
      await loadEntries(client, loaded, step, BATCH);
      const seconds = (Date.now() - started) / 1000;
      log(`loaded ${step - loaded} entries into the child server in ${seconds.toFixed(1)} s`);
      loaded = step;
      const { count } = await client.countEntries({});
      if (count !== step) throw new Error(`child server holds ${count} entries, expected ${step}`);
      const memory = server.memory();
      out[`rssAfter${step / 1000}kMiB`] = mib(memory.rssBytes);
      out[`peakRssAfter${step / 1000}kMiB`] = mib(memory.peakRssBytes);
    }
    // What `entry show` without filters costs the server: every entry, 500 per page.
    let pageToken = '';
    let listed = 0;
    do {
      const page = await client.listEntries({ pageSize: 500, pageToken });
      listed += page.entries.length;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    if (listed !== loaded) throw new Error(`listed ${listed} of ${loaded} entries`);
    const memory = server.memory();
    out['rssAfterFullListMiB'] = mib(memory.rssBytes);
    out['peakRssAfterFullListMiB'] = mib(memory.peakRssBytes);
    return out;
  } finally {
    close();
    await server.stop();
    dir.cleanup();
  }
}

const started = Date.now();
const create = await benchBatchCreate();
log(`BatchCreateEntry x${BATCH}: ${Math.round(create.entriesPerSec)} entries/s (p50 ${create.callP50Ms.toFixed(1)} ms per call)`);
const show = await benchShow();
const rss = await benchRss();
log(`server RSS: ${JSON.stringify(rss)}`);

const summary = {
  name: 'server-admin-summary',
  batchCreateEntriesPerSec: Math.round(create.entriesPerSec),
  batchCreateCallP50Ms: create.callP50Ms,
  batchCreateStoredAtEnd: create.storedAtEnd,
  listBySpiffeId10kP50Ms: show.listP50Ms,
  listBySpiffeId10kP99Ms: show.listP99Ms,
  getEntry10kP50Ms: show.getP50Ms,
  getEntry10kP99Ms: show.getP99Ms,
  ...rss,
  totalSeconds: Math.round((Date.now() - started) / 1000),
  nodeVersion: process.version,
  date: new Date().toISOString(),
};
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}server-admin-summary.json`, JSON.stringify(summary, null, 2) + '\n');
log(`summary: ${JSON.stringify(summary)}`);
