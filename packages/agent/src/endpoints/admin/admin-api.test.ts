import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { FakeClock, createCapturingLogger, isTspireError, type LogLevel } from '@tspire/common';
import { agentdebugv1, agentloggerv1, delegatedidentityv1, types } from '@tspire/proto';
import { createCa, createLeaf } from '@tspire/spiffe/testing';
import { startAdminApi, type AdminApiOptions } from './admin-api.js';
import type { AgentDebugSource } from './debug-service.js';

interface Fixture {
  dir: string;
  socketPath: string;
  clock: FakeClock;
  source: { -readonly [K in keyof AgentDebugSource]: AgentDebugSource[K] };
  level: LogLevel;
  transport: ReturnType<typeof createGrpcTransport>;
}

async function withAdmin(fn: (f: Fixture) => Promise<void>, overrides: Partial<AdminApiOptions> = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-admin-'));
  const clock = new FakeClock(new Date('2030-06-01T12:00:00Z'));
  const f: Fixture = {
    dir,
    socketPath: join(dir, 'private', 'admin.sock'),
    clock,
    source: { agentSvidChainDer: undefined, lastSyncSuccessMs: undefined, x509SvidCount: 0, jwtSvidCount: 0 },
    level: 'info',
    transport: createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: { createConnection: () => net.connect(f.socketPath) } }),
  };
  const admin = await startAdminApi({
    socketPath: f.socketPath,
    workloadSocketPath: join(dir, 'public', 'api.sock'),
    debug: f.source,
    startedAtMs: clock.nowMs(),
    logLevel: { control: { level: () => f.level, setLevel: (l) => { f.level = l as LogLevel; } }, launchLevel: 'info' },
    logger: createCapturingLogger(),
    clock,
    closeGraceMs: 0,
    ...overrides,
  });
  try {
    await fn(f);
  } finally {
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('agent admin API', () => {
  it('listens with the admin socket mode and answers Debug.GetInfo from the agent state', () => withAdmin(async (f) => {
    assert.equal((await stat(f.socketPath)).mode & 0o777, 0o770);
    const debug = createClient(agentdebugv1.Debug, f.transport);
    const empty = await debug.getInfo({});
    assert.deepEqual([empty.svidChain.length, empty.uptime, empty.lastSyncSuccess, empty.cachedX509SvidsCount], [0, 0, 0n, 0]);

    const ca = await createCa({ uris: ['spiffe://example.org'], subject: 'C=US, O=SPIRE' });
    const leaf = await createLeaf(ca, { uris: ['spiffe://example.org/spire/agent/x509pop/abc'], subject: 'C=US, O=SPIRE, CN=agent' });
    f.source.agentSvidChainDer = [leaf.der, ca.der];
    f.source.lastSyncSuccessMs = Date.parse('2030-06-01T12:01:30.700Z');
    f.source.x509SvidCount = 3;
    f.source.jwtSvidCount = 2;
    f.clock.advance(95_500);
    const info = await debug.getInfo({});
    assert.equal(info.uptime, 95);
    assert.equal(info.lastSyncSuccess, BigInt(Date.parse('2030-06-01T12:01:30Z') / 1000));
    assert.deepEqual([info.svidsCount, info.cachedX509SvidsCount, info.cachedJwtSvidsCount], [3, 3, 2]);
    assert.deepEqual(info.svidChain.map((c) => [c.id?.trustDomain, c.id?.path, c.subject, c.expiresAt]), [
      ['example.org', '/spire/agent/x509pop/abc', 'CN=agent,O=SPIRE,C=US', BigInt(Math.floor(Date.parse(leaf.cert.validTo) / 1000))],
      ['example.org', '', 'O=SPIRE,C=US', BigInt(Math.floor(Date.parse(ca.cert.validTo) / 1000))],
    ]);
  }));

  it('gets, sets and resets the log level', () => withAdmin(async (f) => {
    const logger = createClient(agentloggerv1.Logger, f.transport);
    assert.deepEqual(await pick(logger.getLogger({})), [types.LogLevel.INFO, types.LogLevel.INFO]);
    assert.deepEqual(await pick(logger.setLogLevel({ newLevel: types.LogLevel.DEBUG })), [types.LogLevel.DEBUG, types.LogLevel.INFO]);
    assert.equal(f.level, 'debug');
    await assert.rejects(logger.setLogLevel({ newLevel: types.LogLevel.UNSPECIFIED }), (err) =>
      err instanceof ConnectError && err.code === Code.InvalidArgument && err.rawMessage === 'newLevel value cannot be LogLevel_UNSPECIFIED');
    await assert.rejects(logger.setLogLevel({ newLevel: 42 as types.LogLevel }), (err) => err instanceof ConnectError && err.code === Code.InvalidArgument);
    assert.equal(f.level, 'debug');
    assert.deepEqual(await pick(logger.resetLogLevel({})), [types.LogLevel.INFO, types.LogLevel.INFO]);
    assert.equal(f.level, 'info');
  }));

  it('answers UNIMPLEMENTED for DelegatedIdentity and Logger when they are not configured', () => withAdmin(async (f) => {
    const delegated = createClient(delegatedidentityv1.DelegatedIdentity, f.transport);
    await assert.rejects(delegated.fetchJWTSVIDs({ audience: ['a'], pid: 1 }), (err) => err instanceof ConnectError && err.code === Code.Unimplemented);
    await assert.rejects(createClient(agentloggerv1.Logger, f.transport).getLogger({}), (err) => err instanceof ConnectError && err.code === Code.Unimplemented);
  }, { logLevel: undefined, delegatedIdentity: undefined }));

  it('refuses a socket in (or below) the Workload API socket directory', async () => {
    const base = { debug: { agentSvidChainDer: undefined, lastSyncSuccessMs: undefined, x509SvidCount: 0, jwtSvidCount: 0 }, startedAtMs: 0, logger: createCapturingLogger(), clock: new FakeClock() };
    for (const socketPath of ['/run/spire/public/admin.sock', '/run/spire/public/sub/admin.sock']) {
      await assert.rejects(startAdminApi({ ...base, socketPath, workloadSocketPath: '/run/spire/public/api.sock' }), (err) =>
        isTspireError(err, 'ERR_AGENT_SOCKET_PATH') && /same directory or a subdirectory/.test(err.message));
    }
  });
});

async function pick(answer: Promise<types.Logger>): Promise<unknown[]> {
  const logger = await answer;
  return [logger.currentLevel, logger.launchLevel];
}
