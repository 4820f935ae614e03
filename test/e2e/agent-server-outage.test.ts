/**
 * The server is killed (SIGKILL) while the agent serves: workloads keep getting their cached
 * SVIDs, the agent retries with backoff and says so in its log once (not once per retry), and
 * when the server comes back on the same data dir the same agent process reconnects: an entry
 * created after the restart reaches the workload.
 *
 * To prove that retries happened (so that one warning is not just one attempt), the dead
 * server's port is held by a listener that counts connection attempts and closes each one after
 * the TLS ClientHello, the same way every time, as a port whose backend is gone. The agent syncs
 * every 500 ms here so its backoff (0.5, 1, 2 s ...) makes three attempts within seconds.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { AgentFixture } from './lib/agent-fixture.js';
import { fetchX509, fetchedIds, pollUntil, type FetchResult } from './lib/workload-clients.js';

const ID_BEFORE = 'spiffe://example.org/workload/before-outage';
const ID_AFTER = 'spiffe://example.org/workload/after-restart';
const SELECTOR = `unix:uid:${process.getuid!()}`;
const OUTAGE_WARNING = /Synchronization with the server failed/g;
const RESTORED = /Synchronization with the server restored/g;

let fixture: AgentFixture;
let squatter: net.Server | undefined;

before(async () => {
  fixture = await AgentFixture.start({ prefix: 'tspire-e2e-outage-', syncInterval: '500ms' });
  await fixture.createEntry(ID_BEFORE, [SELECTOR]);
});

after(async () => {
  await closeSquatter();
  await fixture?.stop();
});

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/** The error field of each outage warning in the agent log, in order. */
function warningErrors(log: string): string[] {
  return log
    .split('\n')
    .filter((line) => line.includes('Synchronization with the server failed'))
    .map((line) => /error="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line);
}

async function fetchUntil(ids: string[], timeoutMs: number): Promise<FetchResult> {
  let last: FetchResult | undefined;
  return pollUntil(
    async () => {
      last = await fetchX509(fixture.socketPath);
      return last.code === 0 && JSON.stringify(fetchedIds(last)) === JSON.stringify(ids) ? last : undefined;
    },
    timeoutMs,
    () => `the workload did not get ${ids.join(', ')}: ${last?.stdout ?? ''}${last?.stderr ?? ''}\n--- agent ---\n${fixture.agentLog}`,
  );
}

/** Listens on the dead server's port, counting connections; each is closed after its first bytes. */
async function squat(port: number): Promise<{ attempts: () => number }> {
  let attempts = 0;
  const server = net.createServer((socket) => {
    attempts++;
    socket.once('data', () => socket.end()); // after the ClientHello: the same TLS error each time
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  squatter = server;
  return { attempts: () => attempts };
}

async function closeSquatter(): Promise<void> {
  const server = squatter;
  squatter = undefined;
  if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('the workload keeps its cached SVID while the server is down; the agent logs the outage once', async () => {
  const served = await fetchUntil([ID_BEFORE], 30_000);
  const serial = served.svids![0]!.leaf.serialNumber;
  const agentPid = fixture.agent!.child.pid;
  assert.equal(count(fixture.agentLog, OUTAGE_WARNING), 0, 'no outage before the kill');

  assert.deepEqual(await fixture.server.kill(), [null, 'SIGKILL']);
  const port = await squat(fixture.server.tcpPort);

  // The agent has tried (and failed) three times: the first attempt and two retries.
  await pollUntil(() => (port.attempts() >= 3 ? true : undefined), 30_000, () => `the agent made ${port.attempts()} connection attempts\n${fixture.agentLog}`);
  const during = await fetchX509(fixture.socketPath);
  assert.deepEqual(fetchedIds(during), [ID_BEFORE]);
  assert.equal(during.svids![0]!.leaf.serialNumber, serial, 'the cached SVID is served');
  // One warning for the failing state, not one per attempt. A sync cut by the kill itself may
  // fail with another error first; the retries against the dead port all fail alike.
  const errors = warningErrors(fixture.agentLog);
  assert.ok(errors.length >= 1 && errors.length <= 2, `${errors.length} warnings for ${port.attempts()} failed attempts:\n${fixture.agentLog}`);
  assert.equal(errors.filter((e) => e === errors.at(-1)).length, 1, `the same failure was logged per retry:\n${fixture.agentLog}`);
  assert.equal(fixture.agent!.running, true);
  assert.equal(fixture.agent!.child.pid, agentPid);
});

test('the server restarts on the same data dir; the same agent reconnects and serves a new entry', async () => {
  await closeSquatter();
  await fixture.restartServer();
  const restartedAt = Date.now();
  await fixture.createEntry(ID_AFTER, [SELECTOR]);
  // Backoff after three or four failures is 4-8 s at a 500 ms interval; then the sync brings the entry.
  await fetchUntil([ID_AFTER, ID_BEFORE], 40_000);
  console.log(`# server restart -> new entry served: ${Date.now() - restartedAt} ms`);
  assert.equal(count(fixture.agentLog, RESTORED), 1, fixture.agentLog);
  assert.equal(fixture.agent!.running, true);
  assert.doesNotMatch(fixture.agentLog, /Node attestation was successful[\s\S]*Node attestation was successful/, 'the agent did not attest again');
});

// Known bug (reported round 3): the agent manager keys its logged state on the error text, so an
// outage whose error changes between retries (reset, refused while the server restarts, TLS
// cut off) is logged again at every change. Over the whole outage above it should say it once.
test('the whole outage, whatever the errors, is logged once', () => {
  assert.equal(count(fixture.agentLog, OUTAGE_WARNING), 1, fixture.agentLog);
});
