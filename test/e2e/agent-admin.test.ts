/**
 * The agent's admin socket and health_checks listener with real processes: a joined agent is
 * restarted (from its data_dir, no token) with `admin_socket_path` and `health_checks {}` set;
 * a gRPC client on the admin socket calls Debug.GetInfo, the Logger API and, as an authorized
 * delegate (this process's uid has an entry listed in authorized_delegates), DelegatedIdentity for
 * its own PID; plain HTTP GETs on /live and /ready answer 200 with JSON.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { agentdebugv1, agentloggerv1, delegatedidentityv1, types } from '@tspire/proto';
import { AgentFixture } from './lib/agent-fixture.js';
import { Daemon, bins, waitForSocket } from './lib/processes.js';
import { waitForOutput } from './lib/server-fixture.js';
import { pollUntil } from './lib/workload-clients.js';

const WORKLOAD_ID = 'spiffe://example.org/workload/admin-e2e';
let fixture: AgentFixture;
let adminSocket: string;
let healthPort: number;

const transport = () => createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: { createConnection: () => net.connect(adminSocket) } });

function get(path: string): Promise<{ status: number; type: string | undefined; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: healthPort, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
  });
}

before(async () => {
  fixture = await AgentFixture.start({ prefix: 'tspire-e2e-admin-', syncInterval: '1s' });
  await fixture.agent?.stop();
  adminSocket = join(fixture.dir, 'private', 'admin.sock');
  const conf = readFileSync(fixture.agentConf, 'utf8')
    .replace(/^(\s*socket_path = .*)$/m, `$1\n    admin_socket_path = ${JSON.stringify(adminSocket)}\n    authorized_delegates = [${JSON.stringify(WORKLOAD_ID)}]`)
    .concat('\nhealth_checks {\n    listener_enabled = true\n    bind_address = "127.0.0.1"\n    bind_port = "0"\n}\n');
  writeFileSync(fixture.agentConf, conf);
  const agent = new Daemon(bins.spireAgent, ['run', '-config', fixture.agentConf], { cwd: fixture.dir });
  fixture.agent = agent;
  await waitForSocket(adminSocket, agent);
  await waitForOutput(agent, /Agent started/);
  const port = /Serving health checks.*address="?127\.0\.0\.1:(\d+)/.exec(agent.output)?.[1];
  assert.ok(port !== undefined, `no health listener in the log:\n${agent.output}`);
  healthPort = Number(port);
});

after(async () => {
  await fixture?.stop();
});

test('Debug.GetInfo on the admin socket reports the agent SVID, sync and cached SVIDs', async () => {
  assert.equal(statSync(adminSocket).mode & 0o777, 0o770);
  const debug = createClient(agentdebugv1.Debug, transport());
  // The server's join-token node entry may already be cached: count from what is there.
  const before = (await debug.getInfo({})).cachedX509SvidsCount;
  await fixture.createEntry(WORKLOAD_ID, [`unix:uid:${process.getuid?.() ?? 0}`]);
  const info = await pollUntil(async () => {
    const answer = await debug.getInfo({});
    return answer.cachedX509SvidsCount > before ? answer : undefined;
  }, 30_000, () => `the agent cached no new SVID:\n${fixture.agentLog}`);
  assert.equal(info.svidChain[0]?.id?.trustDomain, 'example.org');
  assert.match(info.svidChain[0]?.id?.path ?? '', /^\/spire\/agent\/join_token\//);
  assert.ok((info.svidChain[0]?.expiresAt ?? 0n) > BigInt(Math.floor(Date.now() / 1000)));
  assert.ok(info.lastSyncSuccess > 0n && info.lastSyncSuccess <= BigInt(Math.ceil(Date.now() / 1000)));
  assert.ok(info.uptime >= 0);
});

test('DelegatedIdentity: an authorized delegate gets the SVIDs of a workload by PID', async () => {
  const delegated = createClient(delegatedidentityv1.DelegatedIdentity, transport());
  const { svids } = await delegated.fetchJWTSVIDs({ audience: ['e2e'], pid: process.pid }).catch((err: unknown) => {
    throw new Error(`${String(err)}\n--- agent ---\n${fixture.agentLog}`);
  });
  assert.deepEqual(svids.map((svid) => svid.id?.path), ['/workload/admin-e2e']);
  assert.ok((svids[0]?.expiresAt ?? 0n) > BigInt(Math.floor(Date.now() / 1000)));
  const abort = new AbortController();
  for await (const update of delegated.subscribeToX509SVIDs({ pid: process.pid }, { signal: abort.signal })) {
    assert.deepEqual(update.x509Svids.map((item) => item.x509Svid?.id?.path), ['/workload/admin-e2e']);
    assert.ok((update.x509Svids[0]?.x509SvidKey.length ?? 0) > 0);
    abort.abort();
    break;
  }
  await assert.rejects(delegated.fetchJWTSVIDs({ audience: [], pid: process.pid }), (err) => err instanceof ConnectError && err.code === Code.InvalidArgument);
});

test('the Logger API reads, changes and resets the level', async () => {
  const logger = createClient(agentloggerv1.Logger, transport());
  const levels = (l: types.Logger) => [l.currentLevel, l.launchLevel];
  assert.deepEqual(levels(await logger.getLogger({})), [types.LogLevel.DEBUG, types.LogLevel.DEBUG]);
  assert.deepEqual(levels(await logger.setLogLevel({ newLevel: types.LogLevel.WARN })), [types.LogLevel.WARN, types.LogLevel.DEBUG]);
  assert.deepEqual(levels(await logger.getLogger({})), [types.LogLevel.WARN, types.LogLevel.DEBUG]);
  assert.deepEqual(levels(await logger.resetLogLevel({})), [types.LogLevel.DEBUG, types.LogLevel.DEBUG]);
  await pollUntil(() => (/Log level reset/.test(fixture.agentLog) ? true : undefined), 10_000, () => `no "Log level reset" in the log:\n${fixture.agentLog}`);
});

test('health_checks: /live and /ready answer 200 with JSON', async () => {
  for (const path of ['/live', '/ready']) {
    const answer = await get(path);
    assert.deepEqual(answer, { status: 200, type: 'application/json', body: { agent: { manager_status: 'running' } } }, path);
  }
});
