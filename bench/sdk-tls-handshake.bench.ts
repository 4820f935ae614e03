/**
 * Full mutual-TLS handshakes per second over 127.0.0.1, new connection each (no session
 * resumption), all P-256, in one run:
 * - `plain`: node:tls with static certificates and node's own verification (server
 *   requestCert + rejectUnauthorized against the CA; client checks the chain and the IP SAN),
 *   the client using one prebuilt SecureContext: the baseline;
 * - `ours`: mtlsServerOptions(...).attach(server) + mtlsClientOptions with static X509-SVIDs and a
 *   bundle set (each side verifies the peer's SVID against its trust domain's bundle and
 *   authorizes one SPIFFE ID);
 * - `plain-per-connect`: as plain, but ca/cert/key passed to every tls.connect (node builds a
 *   SecureContext per connection): for reference, what spreading static options costs.
 *
 * Server and client share this process (one thread), so a handshake's time is both sides' CPU;
 * `cpuUsPerHandshake` (process CPU time / handshakes) is steadier than throughput on a busy
 * machine. Cases alternate in rounds so drift in machine load hits them alike. Writes
 * sdk-tls-handshake-<case>-c<N>.json and sdk-tls-handshake.json (all rows and ours/plain ratios).
 */
import { concurrentResult, runConcurrent, writeResult, type ConcurrentRun } from './lib/concurrent.js';
import { handshake, plainPki, plainTarget, spiffePki, spiffeTarget, type HandshakeTarget } from './lib/sdk-tls.js';

const CONCURRENCY = [1, 8];
const ROUNDS = 10;
const ROUND_MS = 600;

const plainMaterial = await plainPki();
const targets: Record<string, HandshakeTarget> = {
  plain: await plainTarget(plainMaterial, 'prebuilt'),
  ours: await spiffeTarget(await spiffePki()),
  'plain-per-connect': await plainTarget(plainMaterial, 'per-connect'),
};

let resumed = 0;
const protocols = new Set<string>();
async function once(target: HandshakeTarget): Promise<void> {
  const info = await handshake(target);
  if (info.resumed) resumed += 1;
  protocols.add(String(info.protocol));
}

interface Measured {
  readonly run: ConcurrentRun;
  readonly cpuUs: number;
}

async function measure(target: HandshakeTarget, concurrency: number, warmupMs: number): Promise<Measured> {
  let cpuStart = process.cpuUsage();
  const run = await runConcurrent({
    concurrency,
    warmupMs,
    durationMs: ROUND_MS,
    op: () => once(target),
    onMeasureStart: () => (cpuStart = process.cpuUsage()),
  });
  const cpu = process.cpuUsage(cpuStart);
  return { run, cpuUs: cpu.user + cpu.system };
}

for (const target of Object.values(targets)) await once(target); // fail fast when a case cannot connect

const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
for (const concurrency of CONCURRENCY) {
  const measured: Record<string, Measured[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, target] of Object.entries(targets)) {
      measured[name]!.push(await measure(target, concurrency, round === 0 ? 800 : 100));
    }
  }
  const byCase: Record<string, { opsPerSec: number; cpuUsPerHandshake: number }> = {};
  for (const [name, list] of Object.entries(measured)) {
    const runs = list.map((m) => m.run);
    const handshakes = runs.reduce((n, r) => n + r.latenciesMs.length, 0);
    const cpuUsPerHandshake = Math.round(list.reduce((n, m) => n + m.cpuUs, 0) / handshakes);
    const result = concurrentResult(`sdk-tls-handshake-${name}-c${concurrency}`, runs, {
      case: name,
      rounds: ROUNDS,
      cpuUsPerHandshake,
      protocols: [...protocols],
      resumedHandshakes: resumed,
    });
    writeResult(result.name, result);
    byCase[name] = { opsPerSec: result.opsPerSec, cpuUsPerHandshake };
    rows.push({
      case: name,
      concurrency,
      handshakesPerSec: Math.round(result.opsPerSec),
      p50Ms: round3(result.p50Ms),
      p99Ms: round3(result.p99Ms),
      cpuUsPerHandshake,
      handshakes,
    });
    console.log(
      `sdk-tls-handshake ${name} c${concurrency}: ${Math.round(result.opsPerSec)} handshakes/s  ` +
        `p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  cpu ${cpuUsPerHandshake} us/handshake`,
    );
  }
  const ratio = byCase['ours']!.opsPerSec / byCase['plain']!.opsPerSec;
  ratios[`c${concurrency}`] = round3(ratio);
  ratios[`c${concurrency}-cpu`] = round3(byCase['plain']!.cpuUsPerHandshake / byCase['ours']!.cpuUsPerHandshake);
  console.log(`sdk-tls-handshake c${concurrency}: ours/plain = ${ratio.toFixed(2)} (by CPU time ${ratios[`c${concurrency}-cpu`]})`);
}

for (const target of Object.values(targets)) {
  if (target.refusals.length > 0) throw new Error(`a server refused ${target.refusals.length} handshakes: ${target.refusals[0]!.message}`);
  await target.close();
}
if (resumed > 0) throw new Error(`${resumed} handshakes resumed a session; every handshake must be a full one`);
writeResult('sdk-tls-handshake', { rows, ratiosOursOverPlain: ratios, protocols: [...protocols], roundMs: ROUND_MS, rounds: ROUNDS });

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
