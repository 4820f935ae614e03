/**
 * The server's agent-facing TCP endpoint, driven as agents drive it, against the real
 * `spire-server run` in a child process (SQLite, disk keys, signing worker threads):
 *  (a) X509-SVID signing throughput through BatchNewX509SVID, 50 CSRs per call, with 1 and 4
 *      concurrent agent connections, on a fresh server (few entries, small heap); server CPU per
 *      SVID from /proc (all its threads);
 *  (b) join-token attestation latency over TLS, a new connection per attestation, p50/p95/p99;
 *  (c) GetAuthorizedEntries latency with 10k entries under one agent.
 * Rate limits are turned off (`ratelimit { attestation = false signing = false }`): with SPIRE's
 * defaults one IP may sign 500 SVIDs/s and attest once per second, which would measure the limiter.
 * The load client runs on the same machine, so its CPU is taken from the server's.
 * Results: bench/results/agent-endpoint-*.json and agent-endpoint-summary.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import net from 'node:net';
import { createCsr, createServerClient, generateCsrKey, type ServerClient } from '@tspire/agent';
import { agentv1, bundlev1, types } from '@tspire/proto';
import { TrustDomain, X509Bundle } from '@tspire/spiffe';
import { runBench } from './lib/harness.js';
import { summarize } from './lib/stats.js';
import { ChildServer, TRUST_DOMAIN, benchDir, createBatch, entryClient } from './lib/admin-server.js';

const BATCH = 50;
const ENTRIES = 10_000;
const TD = TrustDomain.parse(TRUST_DOMAIN);
const log = (line: string) => console.log(`agent-endpoint: ${line}`);

function adminClients(socketPath: string) {
  const sessionManager = new Http2SessionManager('http://localhost', undefined, { createConnection: () => net.connect(socketPath) });
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', sessionManager });
  return { agent: createClient(agentv1.Agent, transport), bundle: createClient(bundlev1.Bundle, transport), close: () => sessionManager.abort() };
}

interface Agent {
  client: ServerClient;
  id: string;
  /** the entries this agent signs SVIDs for in (a) */
  entryIds: string[];
}

async function attestedAgent(server: ChildServer, bundle: X509Bundle, token: string): Promise<Agent> {
  const bootstrap = createServerClient({ serverAddress: '127.0.0.1', serverPort: server.tcpPort, trustDomain: TD, trustBundle: bundle });
  const attested = await bootstrap.attestJoinToken(token);
  bootstrap.close();
  const client = createServerClient({
    serverAddress: '127.0.0.1', serverPort: server.tcpPort, trustDomain: TD, trustBundle: bundle,
    svid: { certChainDer: attested.svid.certChain, privateKey: attested.privateKey },
  });
  return { client, id: `spiffe://${TRUST_DOMAIN}/spire/agent/join_token/${token}`, entryIds: [] };
}

/** Entries w-<from>..w-<to - 1> under `agentId`. */
function workloadEntries(agentId: string, from: number, to: number) {
  const parentId = { trustDomain: TRUST_DOMAIN, path: agentId.slice(`spiffe://${TRUST_DOMAIN}`.length) };
  const batch = [];
  for (let n = from; n < to; n++) {
    batch.push(create(types.EntrySchema, {
      spiffeId: { trustDomain: TRUST_DOMAIN, path: `/workload/w-${n}` },
      parentId,
      selectors: [{ type: 'unix', value: `uid:${n}` }],
      x509SvidTtl: 3600,
    }));
  }
  return batch;
}

/** The authorized-entries cache polls the event feeds: wait until the agent sees `count` entries. */
async function waitForEntries(agent: Agent, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await agent.client.getAuthorizedEntries()).length < count) {
    if (Date.now() > deadline) throw new Error(`the authorized-entries cache never reached ${count} entries for ${agent.id}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SIGNING_WARMUP_MS = 2000;
const SIGNING_DURATION_MS = 8000;

/**
 * Each agent connection signs batches back to back on its own (as agents do, not in lockstep):
 * warm-up first, then SVIDs/s, batch latency and the server's CPU per SVID over the timed part.
 */
async function signingRun(server: ChildServer, agents: Agent[], signBatch: (agent: Agent) => Promise<void>) {
  const loop = async (agent: Agent, untilMs: number, latencies?: number[]) => {
    while (Date.now() < untilMs) {
      const t0 = performance.now();
      await signBatch(agent);
      latencies?.push(performance.now() - t0);
    }
  };
  await Promise.all(agents.map((agent) => loop(agent, Date.now() + SIGNING_WARMUP_MS)));
  const latencies: number[] = [];
  const cpuBefore = server.cpuMs();
  const started = performance.now();
  await Promise.all(agents.map((agent) => loop(agent, Date.now() + SIGNING_DURATION_MS, latencies)));
  const elapsedMs = performance.now() - started;
  const svids = latencies.length * BATCH;
  const { p50, p99 } = summarize(latencies);
  return {
    svidsPerSec: Math.round((svids * 1000) / elapsedMs),
    batchP50Ms: p50,
    batchP99Ms: p99,
    serverCpuUsPerSvid: Math.round(((server.cpuMs() - cpuBefore) * 1000) / svids),
  };
}

async function main(): Promise<void> {
  const dir = benchDir('tspire-bench-agent-endpoint-');
  const server = await ChildServer.start(dir.path, { serverExtra: 'ratelimit {\n  attestation = false\n  signing = false\n}' });
  const admin = adminClients(server.socketPath);
  const entries = entryClient(server.socketPath);
  const opened: ServerClient[] = [];
  try {
    const served = await admin.bundle.getBundle({});
    const bundle = X509Bundle.parseDer(TD, Buffer.concat(served.x509Authorities.map((a) => a.asn1)));
    const newToken = async () => (await admin.agent.createJoinToken({ ttl: 600 })).value;

    // Four agents, each with 50 entries of its own to sign for (a); the first later gets 10k more (c).
    const agents: Agent[] = [];
    for (let i = 0; i < 4; i++) {
      const agent = await attestedAgent(server, bundle, await newToken());
      agents.push(agent);
      opened.push(agent.client);
      agent.entryIds = await createBatch(entries.client, workloadEntries(agent.id, 0, BATCH));
    }
    const owner = agents[0]!;
    for (const agent of agents) await waitForEntries(agent, BATCH);

    // (a) signing: each agent signs its own 50 entries; CSRs are made once (the server verifies each every time).
    const requests = new Map<Agent, { entryId: string; csrDer: Uint8Array }[]>();
    for (const agent of agents) {
      const params = [];
      for (let n = 0; n < BATCH; n++) {
        params.push({ entryId: agent.entryIds[n]!, csrDer: createCsr(await generateCsrKey(), { spiffeId: `spiffe://${TRUST_DOMAIN}/workload/w-${n}` }) });
      }
      requests.set(agent, params);
    }
    const signBatch = async (agent: Agent) => {
      const results = await agent.client.batchNewX509Svid(requests.get(agent)!);
      for (const result of results) if (result.status.code !== 0) throw new Error(`signing failed: ${result.status.message}`);
    };
    const signing: Record<string, { svidsPerSec: number; batchP50Ms: number; batchP99Ms: number; serverCpuUsPerSvid: number }> = {};
    for (const concurrency of [1, 4]) {
      const run = await signingRun(server, agents.slice(0, concurrency), signBatch);
      signing[`c${concurrency}`] = run;
      log(`BatchNewX509SVID x50, ${concurrency} connection(s): ${run.svidsPerSec} SVIDs/s, batch p50 ${run.batchP50Ms.toFixed(1)} ms, p99 ${run.batchP99Ms.toFixed(1)} ms, server CPU ${run.serverCpuUsPerSvid} µs/SVID`);
    }

    // (b) attestation latency: a fresh TLS connection, key and CSR per attestation (keys pre-made).
    const attestKeys: KeyObject[] = [];
    for (let i = 0; i < 400; i++) attestKeys.push(await generateCsrKey());
    const tokens: string[] = [];
    for (let i = 0; i < attestKeys.length; i++) tokens.push(await newToken());
    let next = 0;
    const attest = await runBench({
      name: 'agent-endpoint-attest-join-token',
      warmupMs: 500,
      durationMs: 4000,
      op: async () => {
        const i = next++;
        if (i >= tokens.length) throw new Error('ran out of join tokens; raise the pre-made count');
        const client = createServerClient({ serverAddress: '127.0.0.1', serverPort: server.tcpPort, trustDomain: TD, trustBundle: bundle });
        try {
          await client.attestJoinToken(tokens[i]!, attestKeys[i]);
        } finally {
          client.close();
        }
      },
    });
    log(`join_token attestation p50 ${attest.p50Ms.toFixed(2)} ms, p95 ${attest.p95Ms.toFixed(2)}, p99 ${attest.p99Ms.toFixed(2)}`);

    // One agent owning 10k entries (c).
    for (let start = BATCH; start < BATCH + ENTRIES; start += BATCH) {
      await createBatch(entries.client, workloadEntries(owner.id, start, start + BATCH));
    }
    await waitForEntries(owner, BATCH + ENTRIES);

    // (c) GetAuthorizedEntries with 10k entries under the agent (10,050 with the signing ones).
    const authorized = await runBench({
      name: 'agent-endpoint-get-authorized-entries-10k',
      warmupMs: 1000,
      durationMs: 5000,
      op: async () => {
        const got = await owner.client.getAuthorizedEntries();
        if (got.length !== BATCH + ENTRIES) throw new Error(`got ${got.length} entries`);
      },
    });
    log(`GetAuthorizedEntries (10k) p50 ${authorized.p50Ms.toFixed(1)} ms, p99 ${authorized.p99Ms.toFixed(1)} ms`);

    const summary = {
      signing,
      attestJoinToken: { p50Ms: attest.p50Ms, p95Ms: attest.p95Ms, p99Ms: attest.p99Ms },
      getAuthorizedEntries10k: { p50Ms: authorized.p50Ms, p95Ms: authorized.p95Ms, p99Ms: authorized.p99Ms },
      serverRss: server.memory(),
      date: new Date().toISOString(),
    };
    const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(`${resultsDir}agent-endpoint-summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    for (const client of opened) client.close();
    admin.close();
    entries.close();
    await server.stop();
    dir.cleanup();
  }
}

await main();
