/**
 * examples/mtls-http end to end: a real spire-server and spire-agent, the example's server and
 * client as separate processes with their own uids (so the unix attestor gives each its own
 * SPIFFE ID), X509-SVIDs with a short TTL. The client keeps calling the server over mTLS while
 * both SVIDs rotate at least twice: no request may fail and neither process restarts. A third
 * workload (another uid, another ID) is refused by the server and never gets a response.
 * Needs root (to run workloads as other uids with setpriv).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentFixture } from './lib/agent-fixture.js';
import { repoRoot } from './lib/processes.js';
import { pollUntil, type RunAs } from './lib/workload-clients.js';
import { otherUidSkipReason } from './lib/other-uids.js';

const SERVER_ID = 'spiffe://example.org/example/server';
const CLIENT_ID = 'spiffe://example.org/example/client';
const INTRUDER_ID = 'spiffe://example.org/example/intruder';
const SERVER_UID: RunAs = { uid: 60011, gid: 60011 };
const CLIENT_UID: RunAs = { uid: 60012, gid: 60012 };
const INTRUDER_UID: RunAs = { uid: 60013, gid: 60013 };
/** Short enough for two rotations in well under a minute (SPIRE renews at about half life). */
const SVID_TTL_SECONDS = '20';
const exampleDist = join(repoRoot, 'examples/mtls-http/dist');
const skip = otherUidSkipReason(CLIENT_UID.uid, CLIENT_UID.gid);

interface LogLine {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** One example process (run as `as` with setpriv), its JSON log lines collected. */
class ExampleProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  raw = '';
  readonly exited: Promise<number | null>;

  constructor(script: string, as: RunAs, env: Record<string, string>) {
    const argv = [`--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups', process.execPath, join(exampleDist, script)];
    this.child = spawn('setpriv', argv, { cwd: '/', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.raw += chunk;
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') this.lines.push(JSON.parse(part) as LogLine);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.raw += chunk));
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  events(name: string): LogLine[] {
    return this.lines.filter((line) => line.event === name);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

let fixture: AgentFixture | undefined;
const processes: ExampleProcess[] = [];
let server: ExampleProcess;
let serverUrl = '';
let socketEnv: Record<string, string> = {};

before(async () => {
  if (skip) return;
  if (!existsSync(join(exampleDist, 'server.js'))) throw new Error(`build the example first: npx tsc -b examples/mtls-http (no ${exampleDist}/server.js)`);
  fixture = await AgentFixture.start({ prefix: 'tspire-e2e-mtls-http-', dirMode: 0o711, syncInterval: '1s' });
  const ttl = ['-x509SVIDTTL', SVID_TTL_SECONDS];
  await fixture.createEntry(SERVER_ID, [`unix:uid:${SERVER_UID.uid}`], ...ttl);
  await fixture.createEntry(CLIENT_ID, [`unix:uid:${CLIENT_UID.uid}`], ...ttl);
  await fixture.createEntry(INTRUDER_ID, [`unix:uid:${INTRUDER_UID.uid}`]);
  socketEnv = { SPIFFE_ENDPOINT_SOCKET: `unix://${fixture.socketPath}`, SERVER_SPIFFE_ID: SERVER_ID, CLIENT_SPIFFE_ID: CLIENT_ID };
  server = new ExampleProcess('server.js', SERVER_UID, { ...socketEnv, PORT: '0' });
  processes.push(server);
  const listening = await pollUntil(
    () => {
      if (!server.running) throw new Error(`the example server exited:\n${server.raw}`);
      return server.events('listening')[0];
    },
    60_000,
    () => `the example server did not listen:\n${server.raw}\n--- agent ---\n${fixture?.agentLog ?? ''}`,
  );
  serverUrl = `https://127.0.0.1:${String(listening['port'])}/`;
});

after(async () => {
  for (const child of processes) await child.stop();
  await fixture?.stop();
});

test('the client calls the server through two SVID rotations on both sides without a failure or a restart', { skip, timeout: 150_000 }, async () => {
  const client = new ExampleProcess('client.js', CLIENT_UID, { ...socketEnv, SERVER_URL: serverUrl, INTERVAL_MS: '300' });
  processes.push(client);
  const serverPid = server.child.pid;
  const clientPid = client.child.pid;
  const distinct = (field: string): number => new Set(client.events('response').map((line) => line[field])).size;
  await pollUntil(
    () => {
      if (client.events('error').length > 0) throw new Error(`a request failed:\n${client.raw}`);
      if (!client.running || !server.running) throw new Error(`a process exited:\n--- client ---\n${client.raw}\n--- server ---\n${server.raw}`);
      // Three distinct leaves = the first SVID and two rotations.
      return distinct('clientSerial') >= 3 && distinct('serverSerial') >= 3 ? true : undefined;
    },
    120_000,
    () => `rotations not seen: client serials ${distinct('clientSerial')}, server serials ${distinct('serverSerial')}\n${client.raw}`,
  );
  await client.stop();
  assert.equal(client.events('error').length, 0, client.raw);
  assert.equal(client.events('done')[0]?.['failures'], 0);
  assert.ok(client.events('response').every((line) => line['hello'] === CLIENT_ID));
  assert.equal(server.child.pid, serverPid);
  assert.equal(client.child.pid, clientPid);
  assert.ok(server.running, 'the server never restarted or stopped');
  assert.ok(server.events('svid').length >= 3, 'the server logged its rotations');
});

test('a workload with another SPIFFE ID is refused and never gets a response', { skip, timeout: 60_000 }, async () => {
  const intruder = new ExampleProcess('client.js', INTRUDER_UID, { ...socketEnv, SERVER_URL: serverUrl, REQUESTS: '1' });
  processes.push(intruder);
  assert.equal(await intruder.exited, 1, intruder.raw);
  assert.equal(intruder.events('response').length, 0);
  assert.equal(intruder.events('error').length, 1);
  const refusal = await pollUntil(
    () => server.events('refused').find((line) => String(line['reason']).includes(INTRUDER_ID)),
    10_000,
    () => `the server logged no refusal of ${INTRUDER_ID}:\n${server.raw}`,
  );
  assert.match(String(refusal['reason']), /not authorized/);
});
