/**
 * The measurements of the comparison, each written once and run against either side's stack
 * with the same load client (TypeScript: @tspire/agent's server client over TLS for the agent
 * API, connect-node over UNIX sockets for the admin and Workload APIs).
 */
import type { KeyObject } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { createCsr, createServerClient, generateCsrKey, type NewX509SvidParams, type ServerClient } from '@tspire/agent';
import { types } from '@tspire/proto';
import { TRUST_DOMAIN, createBatch } from '../lib/admin-server.js';
import { runConcurrent, type ConcurrentRun } from '../lib/concurrent.js';
import { summarize } from '../lib/stats.js';
import { fetchX509Once, openX509Stream, uidEntry, unixSocket, type X509Stream } from '../lib/workload-calls.js';
import type { AgentStack, ServerStack } from './stack.js';

export const BATCH = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

export interface Percentiles {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export function percentiles(latencies: readonly number[]): Percentiles {
  const s = summarize(latencies);
  return { samples: latencies.length, p50Ms: round(s.p50), p95Ms: round(s.p95), p99Ms: round(s.p99), meanMs: round(s.mean), minMs: round(s.min), maxMs: round(s.max) };
}

function pathOf(spiffeId: string): string {
  return spiffeId.slice(`spiffe://${TRUST_DOMAIN}`.length);
}

// ---- (1) BatchNewX509SVID signing -------------------------------------------------------------

export interface LoadAgent {
  readonly client: ServerClient;
  readonly id: string;
  /** 50 pre-made CSRs, one per entry of this agent (the server verifies each every call). */
  readonly requests: NewX509SvidParams[];
}

/** Attests a load client with a join token and reconnects it with the agent SVID it got. */
async function attestedClient(server: ServerStack): Promise<{ client: ServerClient; id: string }> {
  const token = await server.joinToken();
  const options = { serverAddress: '127.0.0.1', serverPort: server.port, trustDomain: server.bundle.trustDomain, trustBundle: server.bundle };
  const bootstrap = createServerClient(options);
  const attested = await bootstrap.attestJoinToken(token).finally(() => bootstrap.close());
  const client = createServerClient({ ...options, svid: { certChainDer: attested.svid.certChain, privateKey: attested.privateKey } });
  return { client, id: `spiffe://${TRUST_DOMAIN}/spire/agent/join_token/${token}` };
}

/** `count` load agents, each with 50 entries of its own, visible in its authorized entries. */
export async function prepareSigning(server: ServerStack, count: number): Promise<LoadAgent[]> {
  const agents: LoadAgent[] = [];
  for (let a = 0; a < count; a++) {
    const { client, id } = await attestedClient(server);
    const entries = [];
    for (let n = 0; n < BATCH; n++) {
      entries.push(create(types.EntrySchema, {
        spiffeId: { trustDomain: TRUST_DOMAIN, path: `/load/a${a}/w-${n}` },
        parentId: { trustDomain: TRUST_DOMAIN, path: pathOf(id) },
        selectors: [{ type: 'unix', value: `uid:${n}` }],
        x509SvidTtl: 3600,
      }));
    }
    const ids = await createBatch(server.entries, entries);
    const requests: NewX509SvidParams[] = [];
    for (let n = 0; n < BATCH; n++) {
      requests.push({ entryId: ids[n]!, csrDer: createCsr(await generateCsrKey(), { spiffeId: `spiffe://${TRUST_DOMAIN}/load/a${a}/w-${n}` }) });
    }
    agents.push({ client, id, requests });
  }
  // Both servers serve authorized entries from a cache reloaded every cache_reload_interval.
  for (const agent of agents) {
    const deadline = Date.now() + 60_000;
    while ((await agent.client.getAuthorizedEntries()).length < BATCH) {
      if (Date.now() > deadline) throw new Error(`${server.side}: ${agent.id} never saw its ${BATCH} entries`);
      await sleep(200);
    }
  }
  return agents;
}

export interface SigningRun {
  readonly svids: number;
  readonly elapsedMs: number;
  readonly batchLatenciesMs: number[];
  readonly serverCpuMs: number;
}

/** Each connection signs batches back to back on its own (as agents do); warm-up untimed. */
export async function signingRun(server: ServerStack, agents: readonly LoadAgent[], warmupMs: number, durationMs: number): Promise<SigningRun> {
  const sign = async (agent: LoadAgent) => {
    const results = await agent.client.batchNewX509Svid(agent.requests);
    for (const r of results) if (r.status.code !== 0) throw new Error(`${server.side}: signing failed: ${r.status.code} ${r.status.message}`);
  };
  const loop = async (agent: LoadAgent, untilMs: number, latencies?: number[]) => {
    while (performance.now() < untilMs) {
      const t0 = performance.now();
      await sign(agent);
      latencies?.push(performance.now() - t0);
    }
  };
  const warmEnd = performance.now() + warmupMs;
  await Promise.all(agents.map((a) => loop(a, warmEnd)));
  const latencies: number[] = [];
  const cpu0 = server.proc.cpuMs();
  const started = performance.now();
  await Promise.all(agents.map((a) => loop(a, started + durationMs, latencies)));
  const elapsedMs = performance.now() - started;
  return { svids: latencies.length * BATCH, elapsedMs, batchLatenciesMs: latencies, serverCpuMs: server.proc.cpuMs() - cpu0 };
}

export function signingSummary(runs: readonly SigningRun[]) {
  const svids = runs.reduce((n, r) => n + r.svids, 0);
  const ms = runs.reduce((n, r) => n + r.elapsedMs, 0);
  const batch = percentiles(runs.flatMap((r) => r.batchLatenciesMs));
  return {
    svidsPerSec: Math.round((svids * 1000) / ms),
    perRoundSvidsPerSec: runs.map((r) => Math.round((r.svids * 1000) / r.elapsedMs)),
    batchP50Ms: batch.p50Ms,
    batchP99Ms: batch.p99Ms,
    serverCpuUsPerSvid: Math.round((runs.reduce((n, r) => n + r.serverCpuMs, 0) * 1000) / svids),
  };
}

// ---- (3) join-token attestation ---------------------------------------------------------------

/**
 * `samples` attestations one after another, each a new TLS connection, token and key (keys and
 * tokens made beforehand, outside the timing); `warmups` more first, not counted.
 */
export async function attestationLatency(server: ServerStack, samples: number, warmups: number): Promise<Percentiles> {
  const keys: KeyObject[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < samples + warmups; i++) {
    keys.push(await generateCsrKey());
    tokens.push(await server.joinToken());
  }
  const latencies: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const client = createServerClient({ serverAddress: '127.0.0.1', serverPort: server.port, trustDomain: server.bundle.trustDomain, trustBundle: server.bundle });
    const t0 = performance.now();
    try {
      await client.attestJoinToken(tokens[i]!, keys[i]);
    } finally {
      client.close();
    }
    if (i >= warmups) latencies.push(performance.now() - t0);
  }
  return percentiles(latencies);
}

// ---- (2) Workload API FetchX509SVID, a new connection per call --------------------------------

/** Creates an entry for this process's uid under the agent and waits until the agent serves it. */
export async function workloadReady(server: ServerStack, agent: AgentStack, path: string): Promise<void> {
  await createBatch(server.entries, [uidEntry(agent.agentId, path, process.getuid!())]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetchX509Once(unixSocket(agent.socketPath));
      if (response.svids.some((s) => s.spiffeId === `spiffe://${TRUST_DOMAIN}${path}`)) return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${agent.side} agent never served ${path}: ${(err as Error).message}\n${agent.proc.output.slice(-3000)}`);
    }
    await sleep(200);
  }
}

export interface FetchRun extends ConcurrentRun {
  readonly agentCpuMs: number;
}

/** Anything serving the Workload API on a UNIX socket whose CPU time can be read. */
export interface FetchTarget {
  readonly side: string;
  readonly socketPath: string;
  readonly proc: { cpuMs(): number };
}

export async function fetchRun(agent: FetchTarget, concurrency: number, warmupMs: number, durationMs: number): Promise<FetchRun> {
  const connect = unixSocket(agent.socketPath);
  let cpu0 = 0;
  const run = await runConcurrent({
    concurrency,
    warmupMs,
    durationMs,
    onMeasureStart: () => (cpu0 = agent.proc.cpuMs()),
    op: async () => {
      const response = await fetchX509Once(connect);
      if (response.svids.length === 0) throw new Error(`${agent.side}: FetchX509SVID returned no SVID`);
    },
  });
  return { ...run, agentCpuMs: agent.proc.cpuMs() - cpu0 };
}

export function fetchSummary(runs: readonly FetchRun[]) {
  const calls = runs.reduce((n, r) => n + r.latenciesMs.length, 0);
  const ms = runs.reduce((n, r) => n + r.elapsedMs, 0);
  const p = percentiles(runs.flatMap((r) => r.latenciesMs));
  return {
    callsPerSec: Math.round((calls * 1000) / ms),
    perRoundCallsPerSec: runs.map((r) => Math.round((r.latenciesMs.length * 1000) / r.elapsedMs)),
    p50Ms: p.p50Ms,
    p99Ms: p.p99Ms,
    agentCpuUsPerCall: Math.round((runs.reduce((n, r) => n + r.agentCpuMs, 0) * 1000) / calls),
  };
}

// ---- (4) entry create -> SVID on an open FetchX509SVID stream ---------------------------------

async function untilServed(stream: X509Stream, spiffeId: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${spiffeId} did not reach the stream within ${timeoutMs} ms`)), timeoutMs);
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

/**
 * With a FetchX509SVID stream open (this process's uid already has an SVID), `samples` times:
 * wait a random phase (uniform over `phaseMs`, so samples do not lock onto the sync cycle),
 * BatchCreateEntry one more entry for this uid, time until the stream carries its SVID.
 */
export async function streamLatency(server: ServerStack, agent: AgentStack, samples: number, phaseMs: number, tag: string): Promise<Percentiles> {
  let stream: X509Stream | undefined;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      stream = openX509Stream(unixSocket(agent.socketPath));
      try {
        await stream.next();
        break;
      } catch (err) {
        stream.close();
        if (Date.now() > deadline) throw new Error(`${agent.side}: no stream: ${(err as Error).message}`);
        await sleep(200);
      }
    }
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      await sleep(Math.random() * phaseMs);
      const path = `/stream/${tag}-${i}`;
      const t0 = performance.now();
      await createBatch(server.entries, [uidEntry(agent.agentId, path, process.getuid!())]);
      await untilServed(stream, `spiffe://${TRUST_DOMAIN}${path}`, 60_000);
      latencies.push(performance.now() - t0);
    }
    return percentiles(latencies);
  } finally {
    stream?.close();
  }
}

// ---- (5) memory ------------------------------------------------------------------------------

/** RSS after resting `settleMs`: the lowest of three reads 1 s apart (GC comes and goes). */
export async function settledRss(procs: ReadonlyArray<{ memory(): { rssBytes: number } }>, settleMs: number): Promise<number[]> {
  await sleep(Math.max(0, settleMs - 2000));
  const reads: number[][] = procs.map(() => []);
  for (let i = 0; i < 3; i++) {
    procs.forEach((p, j) => reads[j]!.push(p.memory().rssBytes));
    if (i < 2) await sleep(1000);
  }
  return reads.map((r) => Math.min(...r));
}

/** `count` entries for uids first..first+count-1 under the agent, 50 per BatchCreateEntry. */
export async function createUidEntries(server: ServerStack, agentId: string, first: number, count: number): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) batch.push(uidEntry(agentId, `/workload/uid-${first + i}`, first + i));
    await createBatch(server.entries, batch);
  }
}

/** `count` entries under 100 made-up parents (no agent syncs them); returns the elapsed ms. */
export async function createOtherEntries(server: ServerStack, count: number): Promise<number> {
  const t0 = performance.now();
  for (let start = 0; start < count; start += BATCH) {
    const batch = [];
    for (let n = start; n < Math.min(count, start + BATCH); n++) {
      batch.push(create(types.EntrySchema, {
        spiffeId: { trustDomain: TRUST_DOMAIN, path: `/other/w-${n}` },
        parentId: { trustDomain: TRUST_DOMAIN, path: `/agent/a-${n % 100}` },
        selectors: [{ type: 'unix', value: `uid:${n}` }, { type: 'k8s', value: `ns:team-${n % 37}` }],
        x509SvidTtl: 3600,
      }));
    }
    await createBatch(server.entries, batch);
  }
  return performance.now() - t0;
}

/** Waits until the agent's cache holds `count` X509-SVIDs (Debug.GetInfo); returns the elapsed ms. */
export async function untilCached(agent: AgentStack, count: number, timeoutMs = 180_000): Promise<number> {
  const t0 = performance.now();
  let seen = 0;
  while ((seen = await agent.cachedX509Svids()) < count) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${agent.side} agent cached ${seen} of ${count} SVIDs:\n${agent.proc.output.slice(-3000)}`);
    await sleep(250);
  }
  return performance.now() - t0;
}
