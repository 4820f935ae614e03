/**
 * Crash safety: while clients create entries as fast as they can, the server is SIGKILLed at a
 * random point. After a restart every creation the server acknowledged must be there, whole, and
 * no entry may be half written (each has all the selectors and DNS names it was created with).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { connectAdminSocket, type AdminClient } from '@tspire/cli';
import { types } from '@tspire/proto';
import { tempDir } from './lib/processes.js';
import { ServerProcess, writeServerConf } from './lib/server-fixture.js';

const WORKERS = 4;

/** The entry for sequence number `n`: three selectors and two DNS names, all derived from `n`. */
function entryFor(n: number) {
  return create(types.EntrySchema, {
    spiffeId: { trustDomain: 'example.org', path: `/workload/crash-${n}` },
    parentId: { trustDomain: 'example.org', path: '/agent/local' },
    selectors: [
      { type: 'unix', value: `uid:${n}` },
      { type: 'unix', value: `gid:${n}` },
      { type: 'k8s', value: 'ns:crash' },
    ],
    dnsNames: [`w${n}.example.org`, `alt-${n}.example.org`],
    x509SvidTtl: 3600,
  });
}

interface Acked {
  readonly n: number;
  readonly id: string;
}

/**
 * Runs WORKERS loops of one-entry BatchCreateEntry calls until one fails (the server is gone);
 * calls `onAck` after each creation the server confirmed with OK.
 */
async function createUntilFailure(client: AdminClient, onAck: (acked: Acked) => void): Promise<number> {
  let next = 0;
  let attempted = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const n = next++;
      attempted++;
      let response;
      try {
        response = await client.entry.batchCreateEntry({ entries: [entryFor(n)] });
      } catch {
        return; // connection lost: the server was killed
      }
      const result = response.results[0];
      assert.equal(result?.status?.code, 0, `creation ${n} failed: ${result?.status?.message}`);
      onAck({ n, id: result?.entry?.id ?? '' });
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return attempted;
}

test('SIGKILL during a stream of entry creations loses nothing acknowledged and leaves nothing half written', async (t) => {
  const tmp = tempDir('tspire-e2e-crash-');
  let server: ServerProcess | undefined;
  try {
    writeServerConf(tmp.path);
    server = await ServerProcess.start(tmp.path);
    const victim = server;
    // A random point in the stream, different on every run; logged so a failure can be replayed.
    const killAfter = randomInt(40, 160);
    t.diagnostic(`SIGKILL after ${killAfter} acknowledged creations`);
    const acked: Acked[] = [];
    const client = await connectAdminSocket(victim.socketPath);
    let killed: Promise<unknown> | undefined;
    const attempted = await createUntilFailure(client, (ack) => {
      acked.push(ack);
      if (acked.length === killAfter) killed = victim.kill();
    });
    client.close();
    await killed;
    const [, signal] = await victim.daemon.exited;
    assert.equal(signal, 'SIGKILL');
    assert.ok(acked.length >= killAfter, `only ${acked.length} creations acknowledged before the kill`);

    server = await ServerProcess.start(tmp.path);
    const after = await connectAdminSocket(server.socketPath);
    try {
      for (const { n, id } of acked) {
        const entry = await after.entry.getEntry({ id });
        assert.equal(entry.spiffeId?.path, `/workload/crash-${n}`, `acknowledged entry ${id}`);
      }
      const listed = await after.entry.listEntries({ pageSize: 0 });
      assert.equal(listed.nextPageToken, '');
      const { count } = await after.entry.countEntries({});
      assert.equal(count, listed.entries.length);
      t.diagnostic(`acknowledged ${acked.length}, attempted ${attempted}, present after restart ${count}`);
      assert.ok(count >= acked.length && count <= attempted, `count ${count}, acked ${acked.length}, attempted ${attempted}`);
      for (const entry of listed.entries) {
        const n = Number(/^\/workload\/crash-(\d+)$/.exec(entry.spiffeId?.path ?? '')?.[1]);
        assert.ok(Number.isInteger(n), `unexpected entry ${entry.spiffeId?.path}`);
        const want = entryFor(n);
        const key = (s: { type: string; value: string }) => `${s.type}:${s.value}`;
        assert.deepEqual(entry.selectors.map(key).sort(), want.selectors.map(key).sort(), `selectors of ${entry.id}`);
        assert.deepEqual([...entry.dnsNames].sort(), [...want.dnsNames].sort(), `DNS names of ${entry.id}`);
        assert.equal(entry.x509SvidTtl, 3600);
      }
      // The restarted server still takes writes.
      const more = await after.entry.batchCreateEntry({ entries: [entryFor(1_000_000)] });
      assert.equal(more.results[0]?.status?.code, 0);
    } finally {
      after.close();
    }
    const [code] = await server.stop();
    assert.equal(code, 0, server.daemon.output);
  } finally {
    await server?.kill();
    tmp.cleanup();
  }
});
