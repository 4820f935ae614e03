/**
 * Agent memory (VmRSS of the `spire-agent run` process, from /proc) in three states:
 *  1. idle: attested, no workload entries;
 *  2. 1,000 entries (selector unix:uid:N, N = 100000..100999) and so 1,000 cached X509-SVIDs;
 *  3. 1,000 distinct workloads connected: one open FetchX509SVID stream per uid, each through
 *     a relay process running as that uid (bench/lib/uid-relays.ts), each stream checked to
 *     carry its own SVID. The relays' memory is reported apart (sum of RSS, and of PSS, which
 *     splits shared library pages between them).
 * Each state is sampled after a few seconds of rest. Without socat or python3 the third state
 * is skipped with a message. TSPIRE_BENCH_WORKLOADS changes the 1,000 (e.g. for a smoke run).
 * Result: bench/results/agent-memory.json.
 */
import { benchDir, createBatch } from './lib/admin-server.js';
import { benchCluster, type ChildAgent } from './lib/agent-process.js';
import { writeResult } from './lib/concurrent.js';
import { mib, procMemory, procPss } from './lib/proc-memory.js';
import { findRelay, spawnUidRelay, type UidRelay } from './lib/uid-relays.js';
import { openX509Stream, uidEntry, type X509Stream } from './lib/workload-calls.js';

const WORKLOADS = Number(process.env['TSPIRE_BENCH_WORKLOADS'] ?? 1000);
const FIRST_UID = 100_000;
const SETTLE_MS = 5000;
const CONNECT_CHUNK = 50;
const log = (line: string) => console.log(`agent-memory: ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS after resting `SETTLE_MS` (the lowest of three reads 1 s apart, as GC comes and goes). */
async function settledRss(agent: ChildAgent): Promise<{ rssBytes: number; peakRssBytes: number }> {
  await sleep(SETTLE_MS - 2000);
  const reads = [];
  for (let i = 0; i < 3; i++) {
    reads.push(agent.memory());
    if (i < 2) await sleep(1000);
  }
  return { rssBytes: Math.min(...reads.map((r) => r.rssBytes)), peakRssBytes: Math.max(...reads.map((r) => r.peakRssBytes)) };
}

/** Sum of `minted=` counts in the agent's "Synced X509-SVIDs" debug lines. */
function mintedSoFar(output: string): number {
  let total = 0;
  for (const line of output.split('\n')) {
    if (!line.includes('Synced X509-SVIDs')) continue;
    const minted = /minted[=:]\s*"?(\d+)/.exec(line);
    if (minted) total += Number(minted[1]);
  }
  return total;
}

async function waitForMinted(agent: ChildAgent, count: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (mintedSoFar(agent.output) < count) {
    if (Date.now() > deadline) throw new Error(`the agent minted ${mintedSoFar(agent.output)} of ${count} SVIDs:\n${agent.output.slice(-2000)}`);
    await sleep(250);
  }
}

async function connectWorkloads(agent: ChildAgent, relays: UidRelay[], streams: X509Stream[]): Promise<void> {
  const relay = findRelay()!;
  for (let start = 0; start < WORKLOADS; start += CONNECT_CHUNK) {
    const chunk: Promise<void>[] = [];
    for (let i = start; i < Math.min(WORKLOADS, start + CONNECT_CHUNK); i++) {
      const uid = FIRST_UID + i;
      const r = spawnUidRelay(relay, agent.socketPath, uid);
      relays.push(r);
      const stream = openX509Stream(() => r.stream);
      streams.push(stream);
      chunk.push(
        stream.next().then((response) => {
          const ids = response.svids.map((s) => s.spiffeId);
          if (ids.length !== 1 || ids[0] !== `spiffe://example.org/workload/uid-${uid}`) {
            throw new Error(`uid ${uid} got ${JSON.stringify(ids)}`);
          }
        }),
      );
    }
    await Promise.all(chunk);
  }
}

async function main(): Promise<void> {
  const relay = findRelay();
  const dir = benchDir('tspire-bench-agent-memory-');
  const cluster = await benchCluster(dir.path, { agent: { logLevel: 'DEBUG' } });
  const relays: UidRelay[] = [];
  const streams: X509Stream[] = [];
  try {
    const idle = await settledRss(cluster.agent);
    log(`idle: agent RSS ${mib(idle.rssBytes)} MiB`);

    for (let start = 0; start < WORKLOADS; start += 50) {
      const batch = [];
      for (let i = start; i < Math.min(WORKLOADS, start + 50); i++) batch.push(uidEntry(cluster.agentId, `/workload/uid-${FIRST_UID + i}`, FIRST_UID + i));
      await createBatch(cluster.entries, batch);
    }
    const t0 = performance.now();
    await waitForMinted(cluster.agent, WORKLOADS);
    const syncedMs = Math.round(performance.now() - t0);
    const cached = await settledRss(cluster.agent);
    log(`${WORKLOADS} entries, ${WORKLOADS} SVIDs cached (all minted ${syncedMs} ms after the last entry): agent RSS ${mib(cached.rssBytes)} MiB`);

    let connected: Record<string, unknown> = { skipped: 'no relay: install socat (apt-get install -y socat) or python3' };
    if (relay === undefined) {
      log(`${WORKLOADS} workloads: skipped, ${String(connected['skipped'])}`);
    } else {
      const c0 = performance.now();
      const cpu0 = cluster.agent.cpuMs();
      await connectWorkloads(cluster.agent, relays, streams);
      const connectMs = Math.round(performance.now() - c0);
      const agentCpuMsPerWorkload = Math.round(((cluster.agent.cpuMs() - cpu0) / WORKLOADS) * 100) / 100;
      const rss = await settledRss(cluster.agent);
      let relayRss = 0;
      let relayPss = 0;
      for (const r of relays) {
        relayRss += procMemory(r.child.pid!).rssBytes;
        relayPss += procPss(r.child.pid!);
      }
      connected = {
        relay: relay.kind,
        rssBytes: rss.rssBytes,
        peakRssBytes: rss.peakRssBytes,
        connectAllMs: connectMs,
        agentCpuMsPerWorkload,
        relaysRssSumBytes: relayRss,
        relaysPssSumBytes: relayPss,
        benchProcessRssBytes: process.memoryUsage().rss,
      };
      log(
        `${WORKLOADS} workloads connected (${WORKLOADS} streams, distinct uids, ${relay.kind} relays, all served in ${connectMs} ms, agent CPU ${agentCpuMsPerWorkload} ms each): ` +
          `agent RSS ${mib(rss.rssBytes)} MiB (peak ${mib(rss.peakRssBytes)}); relays RSS sum ${mib(relayRss)} MiB, PSS sum ${mib(relayPss)} MiB`,
      );
    }
    writeResult('agent-memory', {
      workloads: WORKLOADS,
      idle,
      entries: { count: WORKLOADS, allMintedMs: syncedMs, ...cached },
      connected,
    });
  } finally {
    for (const stream of streams) stream.close();
    for (const r of relays) r.stop();
    await cluster.close();
    dir.cleanup();
  }
}

await main();
