/**
 * The server's agent-facing TCP endpoint, driven as agents drive it, against the real
 * `spire-server run` in a child process (SQLite, disk keys, signing worker threads):
 *  (a) X509-SVID signing throughput through BatchNewX509SVID, 50 CSRs per call, with 1 and 4
 *      concurrent agent connections; server CPU per SVID from /proc (all its threads);
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

    // One agent owning 10k entries (c), four agents for signing (a).
    const agents: Agent[] = [];
    for (let i = 0; i < 4; i++) {
      const agent = await attestedAgent(server, bundle, await newToken());
      agents.push(agent);
      opened.push(agent.client);
    }
    const owner = agents[0]!;
    const parentId = { trustDomain: TRUST_DOMAIN, path: owner.id.slice(`spiffe://${TRUST_DOMAIN}`.length) };
    const entryIds: string[] = [];
    for (let start = 0; start < ENTRIES; start += BATCH) {
      const batch = [];
      for (let n = start; n < start + BATCH; n++) {
        batch.push(create(types.EntrySchema, {
          spiffeId: { trustDomain: TRUST_DOMAIN, path: `/workload/w-${n}` },
          parentId,
          selectors: [{ type: 'unix', value: `uid:${n}` }],
          x509SvidTtl: 3600,
        }));
      }
      entryIds.push(...(await createBatch(entries.client, batch)));
    }
    // Each further agent gets 50 entries of its own to sign for.
    for (const agent of agents.slice(1)) {
      const agentParent = { trustDomain: TRUST_DOMAIN, path: agent.id.slice(`spiffe://${TRUST_DOMAIN}`.length) };
      const batch = [];
      for (let n = 0; n < BATCH; n++) {
        batch.push(create(types.EntrySchema, {
          spiffeId: { trustDomain: TRUST_DOMAIN, path: `/workload/w-${n}` },
          parentId: agentParent,
          selectors: [{ type: 'unix', value: `uid:${n}` }],
        }));
      }
      agent.entryIds = await createBatch(entries.client, batch);
    }
    owner.entryIds = entryIds.slice(0, BATCH);
    const deadline = Date.now() + 60_000;
    while ((await owner.client.getAuthorizedEntries()).length < ENTRIES) {
      if (Date.now() > deadline) throw new Error('the authorized-entries cache never reached 10k entries');
      await new Promise((r) => setTimeout(r, 200));
    }

    // (c) GetAuthorizedEntries with 10k entries under the agent.
    const authorized = await runBench({
      name: 'agent-endpoint-get-authorized-entries-10k',
      warmupMs: 1000,
      durationMs: 5000,
      op: async () => {
        const got = await owner.client.getAuthorizedEntries();
        if (got.length !== ENTRIES) throw new Error(`got ${got.length} entries`);
      },
    });
    log(`GetAuthorizedEntries (10k) p50 ${authorized.p50Ms.toFixed(1)} ms, p99 ${authorized.p99Ms.toFixed(1)} ms`);

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
      const using = agents.slice(0, concurrency);
      let cpuBefore = 0;
      let svids = 0;
      const result = await runBench({
        name: `agent-endpoint-batch-new-x509-svid-50-c${concurrency}`,
        warmupMs: 1500,
        durationMs: 6000,
        op: async () => {
          if (svids === 0) cpuBefore = server.cpuMs();
          await Promise.all(using.map(signBatch));
          svids += BATCH * concurrency;
        },
      });
      const cpuMs = server.cpuMs() - cpuBefore;
      const svidsPerSec = result.opsPerSec * BATCH * concurrency;
      signing[`c${concurrency}`] = {
        svidsPerSec: Math.round(svidsPerSec),
        batchP50Ms: result.p50Ms,
        batchP99Ms: result.p99Ms,
        // server CPU (all threads) over every call of this run, warm-up included, per SVID signed
        serverCpuUsPerSvid: Math.round((cpuMs * 1000) / svids),
      };
      log(`BatchNewX509SVID x50, ${concurrency} connection(s): ${Math.round(svidsPerSec)} SVIDs/s, batch p50 ${result.p50Ms.toFixed(1)} ms, server CPU ${signing[`c${concurrency}`]!.serverCpuUsPerSvid} µs/SVID`);
    }

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
