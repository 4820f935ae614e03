/**
 * A stopped and restarted server keeps what it had: every registration entry, join tokens (a
 * token value cannot be created twice) and the same CA (identical `bundle show` output), on
 * SQLite and on PostgreSQL (a fresh database per test, created and dropped here).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { connectAdminSocket } from '@tspire/cli';
import { tempDir } from './lib/processes.js';
import { createTestDatabase, postgresAvailability } from './lib/postgres.js';
import { ServerProcess, assertOk, writeServerConf, type DatastoreChoice } from './lib/server-fixture.js';

const AGENT = 'spiffe://example.org/agent/local';

/** Three entries in SPIRE's `entry create -data` format, exercising most fields. */
function entriesFile(dir: string): string {
  const path = join(dir, 'entries.json');
  const entries = [
    { spiffe_id: 'spiffe://example.org/workload/api', parent_id: AGENT, selectors: [{ type: 'unix', value: 'uid:1000' }], x509_svid_ttl: 3600 },
    {
      spiffe_id: 'spiffe://example.org/workload/db',
      parent_id: AGENT,
      selectors: [{ type: 'unix', value: 'uid:1001' }, { type: 'unix', value: 'gid:50' }],
      dns_names: ['db.example.org'],
      jwt_svid_ttl: 300,
      hint: 'primary',
    },
    { spiffe_id: 'spiffe://example.org/ops/admin', parent_id: AGENT, selectors: [{ type: 'k8s', value: 'ns:ops' }], admin: true },
  ];
  writeFileSync(path, JSON.stringify({ entries }));
  return path;
}

/** What an operator would compare before and after a restart. */
async function snapshot(server: ServerProcess) {
  const [pem, spiffe, entries, count] = await Promise.all([
    server.cli('bundle', 'show'),
    server.cli('bundle', 'show', '-format', 'spiffe'),
    server.cli('entry', 'show', '-output', 'json'),
    server.cli('entry', 'count'),
  ]);
  return {
    pem: assertOk(pem, 'bundle show').stdout,
    spiffe: assertOk(spiffe, 'bundle show -format spiffe').stdout,
    entries: assertOk(entries, 'entry show').stdout,
    count: assertOk(count, 'entry count').stdout,
  };
}

async function createTokenStatus(server: ServerProcess, token: string): Promise<Code | 'ok'> {
  const client = await connectAdminSocket(server.socketPath);
  try {
    await client.agent.createJoinToken({ ttl: 3600, token });
    return 'ok';
  } catch (err) {
    return ConnectError.from(err).code;
  } finally {
    client.close();
  }
}

async function restartKeepsEverything(datastore: DatastoreChoice): Promise<void> {
  const tmp = tempDir('tspire-e2e-restart-');
  let server: ServerProcess | undefined;
  try {
    writeServerConf(tmp.path, { datastore });
    server = await ServerProcess.start(tmp.path);
    const [created, generated] = await Promise.all([
      server.cli('entry', 'create', '-data', entriesFile(tmp.path)),
      server.cli('token', 'generate', '-spiffeID', AGENT, '-ttl', '3600'),
    ]);
    assert.equal((assertOk(created, 'entry create -data').stdout.match(/^Entry ID/gm) ?? []).length, 3);
    const generatedToken = /^Token: (\S+)$/m.exec(assertOk(generated, 'token generate').stdout)?.[1];
    assert.ok(generatedToken);
    const customToken = `restart-${randomUUID()}`;
    assert.equal(await createTokenStatus(server, customToken), 'ok');

    const before = await snapshot(server);
    assert.equal(before.count, '4 registration entries\n', 'three entries and the token entry');
    const [code, signal] = await server.stop();
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.daemon.output);

    server = await ServerProcess.start(tmp.path);
    const afterRestart = await snapshot(server);
    assert.equal(afterRestart.pem, before.pem, 'same CA after restart');
    assert.equal(afterRestart.spiffe, before.spiffe, 'same X.509 and JWT authorities after restart');
    assert.deepEqual(JSON.parse(afterRestart.entries), JSON.parse(before.entries), 'every entry, unchanged');
    assert.equal(afterRestart.count, before.count);
    assert.equal(await createTokenStatus(server, customToken), Code.AlreadyExists, 'custom token survived');
    assert.equal(await createTokenStatus(server, generatedToken), Code.AlreadyExists, 'generated token survived');

    const [code2] = await server.stop();
    assert.equal(code2, 0, server.daemon.output);
  } finally {
    await server?.kill();
    tmp.cleanup();
  }
}

test('restart keeps entries, tokens and the CA (sqlite3)', async () => {
  await restartKeepsEverything({ kind: 'sqlite3' });
});

test('restart keeps entries, tokens and the CA (postgres)', async (t: TestContext) => {
  const pg = postgresAvailability();
  if (pg.kind === 'skip') return t.skip(pg.reason);
  if (pg.kind === 'fail') assert.fail(pg.reason);
  const database = await createTestDatabase(pg.adminUrl);
  try {
    await restartKeepsEverything({ kind: 'postgres', connectionString: database.url });
  } finally {
    await database.drop();
  }
});
