/**
 * Two servers of one trust domain on one PostgreSQL database, each with its own disk key
 * manager: restarting either keeps its own CA (authority ID from the "CA ready" log line) and
 * the shared bundle keeps exactly the two CAs (regression: the servers overwrote one journal, so
 * every restart minted a new CA and the bundle grew).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { tempDir } from './lib/processes.js';
import { createTestDatabase, postgresAvailability } from './lib/postgres.js';
import { ServerProcess, assertOk, waitForOutput, writeServerConf } from './lib/server-fixture.js';

async function authorityId(server: ServerProcess): Promise<string> {
  const match = await waitForOutput(server.daemon, /CA ready.*authority_id="?([0-9a-f]+)/);
  return match[1]!;
}

async function bundleCaCount(server: ServerProcess): Promise<number> {
  const pem = assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout;
  return (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
}

async function stopOk(server: ServerProcess): Promise<void> {
  const [code, signal] = await server.stop();
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.daemon.output);
}

test('servers sharing a PostgreSQL database keep their own CA across restarts', async (t: TestContext) => {
  const pg = postgresAvailability();
  if (pg.kind === 'skip') return t.skip(pg.reason);
  if (pg.kind === 'fail') assert.fail(pg.reason);
  const database = await createTestDatabase(pg.adminUrl);
  const dirA = tempDir('tspire-e2e-shared-a-');
  const dirB = tempDir('tspire-e2e-shared-b-');
  const running: ServerProcess[] = [];
  const start = async (dir: string): Promise<ServerProcess> => {
    const server = await ServerProcess.start(dir);
    running.push(server);
    return server;
  };
  try {
    const datastore = { kind: 'postgres', connectionString: database.url } as const;
    writeServerConf(dirA.path, { datastore });
    writeServerConf(dirB.path, { datastore });
    let a = await start(dirA.path);
    const b = await start(dirB.path);
    const idA = await authorityId(a);
    const idB = await authorityId(b);
    assert.notEqual(idA, idB, 'each server has its own CA');
    assert.equal(await bundleCaCount(b), 2);

    await stopOk(a);
    a = await start(dirA.path);
    assert.equal(await authorityId(a), idA, 'A keeps its CA after restart');
    assert.equal(await bundleCaCount(a), 2, 'no new CA in the bundle');

    await stopOk(b);
    const b2 = await start(dirB.path);
    assert.equal(await authorityId(b2), idB, 'B keeps its CA after restart');
    assert.equal(await bundleCaCount(b2), 2);
    await stopOk(a);
    await stopOk(b2);
  } finally {
    for (const server of running) await server.kill();
    dirA.cleanup();
    dirB.cleanup();
    await database.drop();
  }
});
