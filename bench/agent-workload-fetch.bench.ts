/**
 * FetchX509SVID with a new connection per call (connect, first response, close), at 1 and 10
 * concurrent callers, against the real agent (`spire-agent run`, unix attestor, attested to a
 * real `spire-server run`) and, in the same run, against a do-nothing server on a UNIX socket
 * (bench/lib/null-workload-server.ts: same node:http2 + connect-node stack, a handler that sends
 * the agent's own response, pre-built). Both run in their own process; the client is the same.
 * Runs alternate (agent, baseline, agent, baseline) so drift in machine load hits both.
 * Reports calls/s, p50/p99, the ratio agent/baseline (target >= 0.9; also per round, as on a
 * shared machine rounds vary), each server's CPU per call (from /proc, timed part only) and the
 * CPU ratio baseline/agent, the throughput ratio to expect when the server's core is the limit.
 * Results: bench/results/agent-workload-fetch-{agent,null}-c{1,10}.json and agent-workload-fetch.json.
 * Profile the agent with TSPIRE_BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { workload } from '@tspire/proto';
import { benchDir, createBatch } from './lib/admin-server.js';
import { benchCluster } from './lib/agent-process.js';
import { callsPerSec, concurrentResult, runConcurrent, writeResult, type ConcurrentRun } from './lib/concurrent.js';
import { startNullWorkloadServer, type ResponseEncoding } from './lib/null-workload-server.js';
import { procCpuMs } from './lib/proc-memory.js';
import { fetchX509Once, firstMessageCompressed, uidEntry, unixSocket, type X509SvidResponse } from './lib/workload-calls.js';

const ROUNDS = 5;
const WARMUP_MS = 1000;
const DURATION_MS = 2000;
const TARGET_RATIO = 0.9;
const log = (line: string) => console.log(`agent-workload-fetch: ${line}`);

/** Retries until the agent serves this process an SVID (the first sync after the entry). */
async function firstResponse(socketPath: string): Promise<{ response: X509SvidResponse; encoding: ResponseEncoding }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetchX509Once(unixSocket(socketPath));
      const encoding: ResponseEncoding = (await firstMessageCompressed(socketPath)) ? 'gzip' : 'identity';
      return { response, encoding };
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the agent never served an SVID: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

interface Target {
  readonly label: 'agent' | 'null';
  readonly socketPath: string;
  readonly pid: number;
  readonly runs: ConcurrentRun[];
  cpuMs: number;
}

async function measure(target: Target, concurrency: number, expectedBytes: number): Promise<void> {
  const connect = unixSocket(target.socketPath);
  let cpuBefore = 0;
  const run = await runConcurrent({
    onMeasureStart: () => (cpuBefore = procCpuMs(target.pid)),
    concurrency,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    op: async () => {
      const response = await fetchX509Once(connect);
      if (response.svids.length !== 1) throw new Error(`${target.label}: expected 1 SVID, got ${response.svids.length}`);
      if (expectedBytes >= 0 && toBinary(workload.X509SVIDResponseSchema, response).length !== expectedBytes) {
        throw new Error(`${target.label}: response size differs from the agent's`);
      }
    },
  });
  target.cpuMs += procCpuMs(target.pid) - cpuBefore;
  target.runs.push(run);
}

async function main(): Promise<void> {
  const dir = benchDir('tspire-bench-agent-fetch-');
  const cluster = await benchCluster(dir.path);
  let baseline: Awaited<ReturnType<typeof startNullWorkloadServer>> | undefined;
  try {
    await createBatch(cluster.entries, [uidEntry(cluster.agentId, '/workload/bench', process.getuid!())]);
    const { response, encoding } = await firstResponse(cluster.agent.socketPath);
    const bytes = toBinary(workload.X509SVIDResponseSchema, response);
    const responseFile = join(dir.path, 'response.bin');
    writeFileSync(responseFile, bytes);
    const nullSocket = join(dir.path, 'null.sock');
    baseline = await startNullWorkloadServer(nullSocket, responseFile, encoding);
    log(`response ${bytes.length} bytes (1 SVID with key and bundle), messages ${encoding === 'gzip' ? 'gzipped' : 'uncompressed'} for clients accepting gzip (the baseline does the same)`);

    const summary: Record<string, unknown> = { responseBytes: bytes.length, responseEncoding: encoding, targetRatio: TARGET_RATIO };
    for (const concurrency of [1, 10]) {
      const agent: Target = { label: 'agent', socketPath: cluster.agent.socketPath, pid: cluster.agent.child.pid!, runs: [], cpuMs: 0 };
      const none: Target = { label: 'null', socketPath: nullSocket, pid: baseline.child.pid!, runs: [], cpuMs: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        await measure(agent, concurrency, bytes.length);
        await measure(none, concurrency, bytes.length);
      }
      const rows = [agent, none].map((t) => {
        const calls = t.runs.reduce((n, r) => n + r.latenciesMs.length, 0);
        const result = concurrentResult(`agent-workload-fetch-${t.label}-c${concurrency}`, t.runs, {
          serverCpuUsPerCall: Math.round((t.cpuMs * 1000) / calls),
          rounds: ROUNDS,
          warmupMs: WARMUP_MS,
          durationMs: DURATION_MS,
        });
        writeResult(result.name, result);
        return result;
      });
      const [ours, theirs] = rows as [(typeof rows)[0], (typeof rows)[0]];
      const ratio = callsPerSec(agent.runs) / callsPerSec(none.runs);
      const perRound = agent.runs.map((r, i) => Math.round((callsPerSec([r]) / callsPerSec([none.runs[i]!])) * 100) / 100);
      const medianRatio = [...perRound].sort((a, b) => a - b)[Math.floor(perRound.length / 2)]!;
      // What share of the baseline's calls the agent could serve if the server's CPU were the limit.
      const cpuRatio = Math.round((theirs.serverCpuUsPerCall / ours.serverCpuUsPerCall) * 1000) / 1000;
      summary[`c${concurrency}`] = {
        agent: { callsPerSec: Math.round(ours.opsPerSec), p50Ms: ours.p50Ms, p99Ms: ours.p99Ms, serverCpuUsPerCall: ours.serverCpuUsPerCall },
        null: { callsPerSec: Math.round(theirs.opsPerSec), p50Ms: theirs.p50Ms, p99Ms: theirs.p99Ms, serverCpuUsPerCall: theirs.serverCpuUsPerCall },
        ratio: Math.round(ratio * 1000) / 1000,
        ratioPerRound: perRound,
        medianRoundRatio: medianRatio,
        cpuRatio,
      };
      log(
        `c${concurrency}: agent ${Math.round(ours.opsPerSec)} calls/s (p50 ${ours.p50Ms.toFixed(2)} ms, p99 ${ours.p99Ms.toFixed(2)} ms, ` +
          `${ours.serverCpuUsPerCall} µs CPU/call); do-nothing ${Math.round(theirs.opsPerSec)} calls/s (p50 ${theirs.p50Ms.toFixed(2)} ms, ` +
          `p99 ${theirs.p99Ms.toFixed(2)} ms, ${theirs.serverCpuUsPerCall} µs CPU/call); ratio ${ratio.toFixed(3)} ` +
          `(rounds ${perRound.join(', ')}, median ${medianRatio}; target >= ${TARGET_RATIO}); CPU-per-call ratio ${cpuRatio}`,
      );
    }
    summary['agentRss'] = cluster.agent.memory();
    writeResult('agent-workload-fetch', summary);
  } finally {
    await baseline?.stop();
    await cluster.close();
    dir.cleanup();
  }
}

await main();
