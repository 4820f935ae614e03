/**
 * tspire vs the real SPIRE (issue 8), on this machine in one run, the same TypeScript load client
 * against both, each side's server and agent started from the same server.conf / agent.conf
 * (bench/compare/stack.ts: SQLite, in-memory keys, rate limits off on both):
 *  1. X509-SVID signing through BatchNewX509SVID, 50 CSRs per call, 1 and 4 agent connections;
 *  2. Workload API FetchX509SVID, a new connection per call, 1 and 10 concurrent callers (plus a
 *     reference: a do-nothing node:http2 server with the same response, bench/lib/null-workload-server.ts);
 *  3. join-token attestation latency (a new TLS connection each);
 *  4. BatchCreateEntry -> the new SVID on an open FetchX509SVID stream: each side's default
 *     intervals, then both with agent sync_interval 200ms and server cache_reload_interval 100ms;
 *  5. RSS of server and agent idle, agent with 1,000 cached SVIDs, server with 10k entries.
 * 1 and 2 alternate sides round by round (both stacks up) so drift in machine load hits both.
 * Writes bench/results/compare.json and prints a Markdown table (docs/performance.md).
 * Without the real SPIRE in .interop/ (scripts/interop/install.mjs) it prints a skip and exits 0.
 * Env: COMPARE_ATTEST_SAMPLES (30), COMPARE_STREAM_SAMPLES (12), COMPARE_STREAM_EQUAL_SAMPLES (30),
 * COMPARE_ROUNDS (2); BENCH_WARMUP_MS / BENCH_DURATION_MS for the fetch runs (smoke runs);
 * COMPARE_TSPIRE_NODE_ARGS: node flags for tspire's processes (e.g. --cpu-prof).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBinary } from '@bufbuild/protobuf';
import { workload } from '@tspire/proto';
import { benchDir } from '../lib/admin-server.js';
import { startNullWorkloadServer, type ResponseEncoding } from '../lib/null-workload-server.js';
import { mib, procCpuMs } from '../lib/proc-memory.js';
import { fetchX509Once, firstMessageCompressed, unixSocket } from '../lib/workload-calls.js';
import {
  attestationLatency,
  createOtherEntries,
  createUidEntries,
  fetchRun,
  fetchSummary,
  prepareSigning,
  settledRss,
  signingRun,
  signingSummary,
  streamLatency,
  untilCached,
  workloadReady,
  type FetchRun,
  type LoadAgent,
  type Percentiles,
  type SigningRun,
} from './measures.js';
import { findSpirePeers, repoRoot } from './peers.js';
import { markdownTable, rate, type Row } from './report.js';
import { AgentStack, SIDES, ServerStack, tspireBinaries, type Binaries, type Side, type StackConfig } from './stack.js';

const envInt = (key: string, fallback: number) => {
  const raw = process.env[key];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${key} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
};
const ATTEST_SAMPLES = envInt('COMPARE_ATTEST_SAMPLES', 30);
const ATTEST_WARMUPS = 3;
const STREAM_SAMPLES = envInt('COMPARE_STREAM_SAMPLES', 12);
const STREAM_EQUAL_SAMPLES = envInt('COMPARE_STREAM_EQUAL_SAMPLES', 30);
const ROUNDS = envInt('COMPARE_ROUNDS', 2);
const SIGN_WARMUP_MS = 1000;
const SIGN_DURATION_MS = 4000;
const FETCH_WARMUP_MS = 1000;
const FETCH_DURATION_MS = 3000;
const CACHED_SVIDS = 1000;
const SERVER_ENTRIES = 10_000;
const SETTLE_MS = 5000;
const EQUAL: StackConfig = {
  agentExtra: 'experimental {\n    sync_interval = "200ms"\n  }',
  serverExtra: 'experimental {\n    cache_reload_interval = "100ms"\n  }',
};
const log = (line: string) => console.log(`compare: ${line}`);

interface Stack {
  readonly server: ServerStack;
  readonly agent: AgentStack;
}

async function startStack(side: Side, bins: Binaries, dir: string, config: StackConfig = {}): Promise<Stack> {
  const server = await ServerStack.start(side, bins, join(dir, 'server'), config);
  try {
    mkdirSync(join(dir, 'agent'), { recursive: true });
    return { server, agent: await AgentStack.start(server, bins, join(dir, 'agent'), config) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function stopStack(stack: Stack | undefined): Promise<void> {
  await stack?.agent.stop();
  await stack?.server.stop();
}

/** Round r runs SPIRE first on even rounds and tspire first on odd ones. */
const orderFor = (r: number): readonly Side[] => (r % 2 === 0 ? SIDES : [...SIDES].reverse());

type PerSide<T> = Record<Side, T>;

/**
 * bench/lib/null-workload-server.ts in its own process: node:http2 + connect-node on a UNIX
 * socket answering FetchX509SVID with a pre-built copy of `agent`'s response (no attestation,
 * no cache). The floor any node:http2-based agent pays per connection.
 */
async function startNullServer(agent: AgentStack, base: string) {
  const response = await fetchX509Once(unixSocket(agent.socketPath));
  const encoding: ResponseEncoding = (await firstMessageCompressed(agent.socketPath)) ? 'gzip' : 'identity';
  const file = join(base, 'null-response.bin');
  writeFileSync(file, toBinary(workload.X509SVIDResponseSchema, response));
  const socketPath = join(base, 'null.sock');
  const server = await startNullWorkloadServer(socketPath, file, encoding);
  const pid = server.child.pid!;
  return { target: { side: 'null', socketPath, proc: { cpuMs: () => procCpuMs(pid) } }, stop: () => server.stop() };
}

async function mainPhase(bins: PerSide<Binaries>, base: string) {
  const stacks: Partial<PerSide<Stack>> = {};
  const loaders: Partial<PerSide<LoadAgent[]>> = {};
  let nullServer: Awaited<ReturnType<typeof startNullServer>> | undefined;
  try {
    const startup: Partial<PerSide<{ serverStartMs: number; agentStartMs: number }>> = {};
    for (const side of SIDES) {
      const stack = await startStack(side, bins[side], join(base, side, 'main'));
      stacks[side] = stack;
      startup[side] = { serverStartMs: Math.round(stack.server.startMs), agentStartMs: Math.round(stack.agent.startMs) };
      loaders[side] = await prepareSigning(stack.server, 4);
      await workloadReady(stack.server, stack.agent, '/workload/bench');
      log(`${side}: server up in ${startup[side]!.serverStartMs} ms, agent serving in ${startup[side]!.agentStartMs} ms`);
    }
    const s = stacks as PerSide<Stack>;
    const l = loaders as PerSide<LoadAgent[]>;

    const signing: Record<string, PerSide<ReturnType<typeof signingSummary>>> = {};
    for (const connections of [1, 4]) {
      const runs: PerSide<SigningRun[]> = { spire: [], tspire: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const side of orderFor(r)) runs[side].push(await signingRun(s[side].server, l[side].slice(0, connections), SIGN_WARMUP_MS, SIGN_DURATION_MS));
      }
      signing[`c${connections}`] = { spire: signingSummary(runs.spire), tspire: signingSummary(runs.tspire) };
      for (const side of SIDES) {
        const x = signing[`c${connections}`]![side];
        log(`${side}: BatchNewX509SVID x50, ${connections} conn: ${x.svidsPerSec} SVIDs/s (rounds ${x.perRoundSvidsPerSec.join(', ')}), batch p50 ${x.batchP50Ms} ms, server CPU ${x.serverCpuUsPerSvid} µs/SVID`);
      }
    }

    // Reference: a do-nothing node:http2 + connect-node server sending tspire's agent's own response.
    nullServer = await startNullServer(s.tspire.agent, base);
    const targets = { spire: s.spire.agent, tspire: s.tspire.agent, null: nullServer.target };
    const fetch: Record<string, Record<Side | 'null', ReturnType<typeof fetchSummary>>> = {};
    for (const concurrency of [1, 10]) {
      const runs: Record<Side | 'null', FetchRun[]> = { spire: [], tspire: [], null: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const side of [...orderFor(r), 'null' as const]) runs[side].push(await fetchRun(targets[side], concurrency, FETCH_WARMUP_MS, FETCH_DURATION_MS));
      }
      fetch[`c${concurrency}`] = { spire: fetchSummary(runs.spire), tspire: fetchSummary(runs.tspire), null: fetchSummary(runs.null) };
      for (const side of [...SIDES, 'null' as const]) {
        const x = fetch[`c${concurrency}`]![side];
        log(`${side}: FetchX509SVID new connection, c${concurrency}: ${x.callsPerSec} calls/s (rounds ${x.perRoundCallsPerSec.join(', ')}), p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms, server CPU ${x.agentCpuUsPerCall} µs/call`);
      }
    }

    const attestation = {} as PerSide<Percentiles>;
    for (const side of SIDES) {
      attestation[side] = await attestationLatency(s[side].server, ATTEST_SAMPLES, ATTEST_WARMUPS);
      log(`${side}: join-token attestation p50 ${attestation[side].p50Ms} ms, p95 ${attestation[side].p95Ms}, p99 ${attestation[side].p99Ms} (${ATTEST_SAMPLES} samples)`);
    }

    // Mostly waiting on each side's pollers: both sides at once.
    const streamDefaults = {} as PerSide<Percentiles>;
    await Promise.all(
      SIDES.map(async (side) => {
        streamDefaults[side] = await streamLatency(s[side].server, s[side].agent, STREAM_SAMPLES, 5000, 'defaults');
        log(`${side}: entry create -> stream, each side's defaults: p50 ${streamDefaults[side].p50Ms} ms, p95 ${streamDefaults[side].p95Ms} ms`);
      }),
    );
    return { startup: startup as PerSide<{ serverStartMs: number; agentStartMs: number }>, signing, fetch, attestation, streamDefaults };
  } finally {
    for (const side of SIDES) for (const a of loaders[side] ?? []) a.client.close();
    await nullServer?.stop();
    for (const side of SIDES) await stopStack(stacks[side]);
  }
}

async function equalIntervalsPhase(bins: PerSide<Binaries>, base: string) {
  const result = {} as PerSide<Percentiles>;
  for (const side of SIDES) {
    let stack: Stack | undefined;
    try {
      stack = await startStack(side, bins[side], join(base, side, 'equal'), EQUAL);
      await workloadReady(stack.server, stack.agent, '/workload/bench');
      result[side] = await streamLatency(stack.server, stack.agent, STREAM_EQUAL_SAMPLES, 200, 'equal');
      log(`${side}: entry create -> stream, sync 200ms / cache reload 100ms: p50 ${result[side].p50Ms} ms, p95 ${result[side].p95Ms} ms`);
    } finally {
      await stopStack(stack);
    }
  }
  return result;
}

async function memoryPhase(bins: PerSide<Binaries>, base: string) {
  const result = {} as PerSide<Record<string, number>>;
  for (const side of SIDES) {
    let stack: Stack | undefined;
    try {
      stack = await startStack(side, bins[side], join(base, side, 'memory'));
      const { server, agent } = stack;
      const [serverIdle, agentIdle] = await settledRss([server.proc, agent.proc], SETTLE_MS);
      await createUidEntries(server, agent.agentId, 100_000, CACHED_SVIDS);
      const cachedAfterMs = await untilCached(agent, CACHED_SVIDS);
      const [server1k, agent1k] = await settledRss([server.proc, agent.proc], SETTLE_MS);
      const createMs = await createOtherEntries(server, SERVER_ENTRIES - CACHED_SVIDS);
      const [server10k, agentAfter] = await settledRss([server.proc, agent.proc], SETTLE_MS + 1000);
      result[side] = {
        serverIdleBytes: serverIdle!,
        agentIdleBytes: agentIdle!,
        agent1kSvidsBytes: agent1k!,
        server1kEntriesBytes: server1k!,
        server10kEntriesBytes: server10k!,
        agentAfter10kServerEntriesBytes: agentAfter!,
        serverPeakBytes: server.proc.memory().peakRssBytes,
        agentPeakBytes: agent.proc.memory().peakRssBytes,
        allCachedAfterMs: Math.round(cachedAfterMs),
        entriesPerSecBatch50: Math.round(((SERVER_ENTRIES - CACHED_SVIDS) * 1000) / createMs),
      };
      log(
        `${side}: RSS server idle ${mib(serverIdle!)} MiB, 10k entries ${mib(server10k!)} MiB; agent idle ${mib(agentIdle!)} MiB, ` +
          `${CACHED_SVIDS} SVIDs ${mib(agent1k!)} MiB (all cached ~${Math.round(cachedAfterMs)} ms after the last entry); ` +
          `BatchCreateEntry ${result[side].entriesPerSecBatch50} entries/s`,
      );
    } finally {
      await stopStack(stack);
    }
  }
  return result;
}

function rows(main: Awaited<ReturnType<typeof mainPhase>>, equal: PerSide<Percentiles>, memory: PerSide<Record<string, number>>): Row[] {
  const both = <T>(pick: (side: Side) => T) => ({ spire: pick('spire'), tspire: pick('tspire') }) as { spire: T; tspire: T };
  const mem = (key: string) => both((side) => mib(memory[side][key]!));
  return [
    { id: 'sign-c1', label: 'BatchNewX509SVID x50, 1 connection', unit: 'SVIDs/s', better: 'higher', ...both((x) => main.signing['c1']![x].svidsPerSec) },
    { id: 'sign-c4', label: 'BatchNewX509SVID x50, 4 connections', unit: 'SVIDs/s', better: 'higher', ...both((x) => main.signing['c4']![x].svidsPerSec) },
    { id: 'fetch-c1', label: 'FetchX509SVID, new connection per call, 1 caller', unit: 'calls/s', better: 'higher', ...both((x) => main.fetch['c1']![x].callsPerSec) },
    { id: 'fetch-c10', label: 'FetchX509SVID, new connection per call, 10 callers', unit: 'calls/s', better: 'higher', ...both((x) => main.fetch['c10']![x].callsPerSec) },
    { id: 'attest-p50', label: 'Join-token attestation p50', unit: 'ms', better: 'lower', ...both((x) => main.attestation[x].p50Ms) },
    { id: 'attest-p95', label: 'Join-token attestation p95', unit: 'ms', better: 'lower', ...both((x) => main.attestation[x].p95Ms) },
    { id: 'attest-p99', label: 'Join-token attestation p99', unit: 'ms', better: 'lower', ...both((x) => main.attestation[x].p99Ms) },
    { id: 'stream-defaults-p50', label: 'Entry create -> SVID on open stream p50, each side\'s defaults', unit: 'ms', better: 'lower', ...both((x) => main.streamDefaults[x].p50Ms) },
    { id: 'stream-defaults-p95', label: 'Entry create -> SVID on open stream p95, each side\'s defaults', unit: 'ms', better: 'lower', ...both((x) => main.streamDefaults[x].p95Ms) },
    { id: 'stream-equal-p50', label: 'Entry create -> SVID on open stream p50, sync 200ms / reload 100ms', unit: 'ms', better: 'lower', ...both((x) => equal[x].p50Ms) },
    { id: 'stream-equal-p95', label: 'Entry create -> SVID on open stream p95, sync 200ms / reload 100ms', unit: 'ms', better: 'lower', ...both((x) => equal[x].p95Ms) },
    { id: 'rss-server-idle', label: 'Server RSS, idle', unit: 'MiB', better: 'lower', ...mem('serverIdleBytes') },
    { id: 'rss-server-10k', label: 'Server RSS, 10k entries', unit: 'MiB', better: 'lower', ...mem('server10kEntriesBytes') },
    { id: 'rss-agent-idle', label: 'Agent RSS, idle', unit: 'MiB', better: 'lower', ...mem('agentIdleBytes') },
    { id: 'rss-agent-1k', label: 'Agent RSS, 1,000 cached SVIDs', unit: 'MiB', better: 'lower', ...mem('agent1kSvidsBytes') },
    { id: 'entry-create', label: 'BatchCreateEntry, 50 per call (admin socket)', unit: 'entries/s', better: 'higher', ...both((x) => memory[x]['entriesPerSecBatch50']!) },
    { id: 'server-start', label: 'Server start to serving', unit: 'ms', better: 'lower', ...both((x) => main.startup[x].serverStartMs) },
  ];
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
  };
}

async function main(): Promise<void> {
  const peers = findSpirePeers();
  if ('skip' in peers) {
    console.log(`compare: SKIP (tspire vs SPIRE not measured): ${peers.skip}`);
    return;
  }
  const tspire = tspireBinaries();
  for (const file of [tspire.server.at(-1)!, tspire.agent.at(-1)!]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build the CLI first (npx tsc -b bench builds it)`);
  }
  const bins: PerSide<Binaries> = { spire: { server: [peers.serverBin], agent: [peers.agentBin] }, tspire };
  log(`SPIRE ${peers.spireVersion} (pinned ${peers.pinnedVersion}, built with ${peers.goVersion}) vs tspire on node ${process.version}`);
  const loadBefore = os.loadavg();
  const started = performance.now();
  const dir = benchDir('tspire-bench-compare-');
  try {
    const main = await mainPhase(bins, dir.path);
    const equal = await equalIntervalsPhase(bins, dir.path);
    const memory = await memoryPhase(bins, dir.path);
    const rated = rows(main, equal, memory).map(rate);
    const table = markdownTable(rated);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version?: string };
    const result = {
      name: 'compare',
      date: new Date().toISOString(),
      elapsedMs: Math.round(performance.now() - started),
      machine: { ...machine(), loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100), loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      versions: { node: process.version, go: peers.goVersion, spire: peers.spireVersion, spirePinned: peers.pinnedVersion, tspire: pkg.version ?? 'unknown' },
      conditions: {
        config: 'the same server.conf and agent.conf for both (bench/compare/stack.ts): SQLite datastore, memory KeyManagers, join_token, unix workload attestor, log_level WARN, 127.0.0.1',
        rateLimits: "off on both (ratelimit { attestation = false signing = false }); SPIRE's defaults are 1 attestation/s and 500 signed SVIDs/s per source IP",
        loadClient: 'one TypeScript process: @tspire/agent server client (TLS, agent SVID from a join token) for signing and attestation; connect-node over the UNIX socket for the Workload API',
        rounds: ROUNDS,
        signing: { batch: 50, warmupMs: SIGN_WARMUP_MS, durationMs: SIGN_DURATION_MS },
        fetch: {
          warmupMs: FETCH_WARMUP_MS,
          durationMs: FETCH_DURATION_MS,
          overridableBy: 'BENCH_WARMUP_MS / BENCH_DURATION_MS',
          null: "reference, not a side: bench/lib/null-workload-server.ts (node:http2 + connect-node, a pre-built copy of tspire's agent response, no attestation); the per-connection floor of a node:http2 agent",
        },
        attestation: { samples: ATTEST_SAMPLES, warmups: ATTEST_WARMUPS },
        stream: {
          defaults: { samples: STREAM_SAMPLES, spire: 'agent sync 5s, server cache reload 5s', tspire: 'agent sync 5s, server cache reload 1s' },
          equal: { samples: STREAM_EQUAL_SAMPLES, both: 'agent experimental.sync_interval 200ms, server experimental.cache_reload_interval 100ms' },
        },
        memory: { settleMs: SETTLE_MS, cachedSvids: CACHED_SVIDS, serverEntries: SERVER_ENTRIES, note: 'RSS = lowest of 3 reads 1 s apart after the settle time; 10k entries = the 1,000 under the agent + 9,000 under other parents; allCachedAfterMs for SPIRE has ~5 s resolution (its Debug.GetInfo answers from a 5 s cache)' },
      },
      results: { startup: main.startup, signing: main.signing, fetch: main.fetch, attestation: main.attestation, streamDefaults: main.streamDefaults, streamEqualIntervals: equal, memory },
      rows: rated,
      table,
    };
    const resultsDir = fileURLToPath(new URL('../../results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'compare.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(table);
    log(`done in ${Math.round(result.elapsedMs / 1000)} s; tspire ahead on ${rated.filter((r) => r.tspireAhead).length} of ${rated.length} rows; bench/results/compare.json`);
  } finally {
    dir.cleanup();
  }
}

await main();
