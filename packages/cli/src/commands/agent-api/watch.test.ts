import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { healthv1, workload } from '@tspire/proto';
import type { WorkloadConnection } from '../../workload-client.js';
import { main } from '../../agent-cli/main.js';
import { OTHER_TD, UID_1000, idOf, withAgentCli } from '../../agent-cli/workload-fixture.test-helper.js';

/** Captured output with a way to wait for the n-th write. */
function sink(): { text: () => string; writes: string[]; waitFor(count: number): Promise<void>; write(text: string): void } {
  const writes: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    writes,
    text: () => writes.join(''),
    write(text: string) {
      writes.push(text);
      for (const w of waiters.filter((w) => writes.length >= w.count)) w.resolve();
    },
    waitFor(count: number) {
      return writes.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

test('api watch prints a block per update (federated TDs by name, no hint) until interrupted', async () => {
  await withAgentCli(async (f) => {
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid: await f.svid('/api'), hint: 'h', federatesWith: [OTHER_TD] });
    const stdout = sink();
    const stderr = sink();
    const interrupt = new AbortController();
    let disposed = false;
    let monotonic = 0;
    const running = main(['api', 'watch', '-socketPath', f.socketPath], {
      stdout,
      stderr,
      env: {},
      monotonicMs: () => (monotonic += 250),
      interrupt: () => ({ signal: interrupt.signal, dispose: () => void (disposed = true) }),
    });
    await stdout.waitFor(1);
    assert.match(stdout.writes[0] ?? '', /^Received 1 svid after 250ms\n\nSPIFFE ID:\t\tspiffe:\/\/example\.org\/api\nSVID Valid After:\t/);
    assert.doesNotMatch(stdout.writes[0] ?? '', /Hint/);
    assert.match(stdout.writes[0] ?? '', /\n\[other\.org\] CA #1 Valid After:\t[^\n]+\n\[other\.org\] CA #1 Valid Until:\t[^\n]+\n\n$/);
    // Rotation reaches the open stream.
    const rotated = await f.svid('/api');
    f.source.setSvid('a', rotated);
    await stdout.waitFor(2);
    assert.match(stdout.writes[1] ?? '', /^Received 1 svid after 250ms\n/);
    interrupt.abort();
    assert.equal(await running, 0);
    assert.equal(stderr.text(), '');
    assert.ok(disposed);
  });
});

test('api watch reports connection errors and retries with backoff until interrupted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-watch-'));
  try {
    const socketPath = join(dir, 'none.sock');
    const stdout = sink();
    const stderr = sink();
    const interrupt = new AbortController();
    const sleeps: number[] = [];
    const code = await main(['api', 'watch', '-socketPath', socketPath], {
      stdout,
      stderr,
      env: {},
      interrupt: () => ({ signal: interrupt.signal, dispose: () => {} }),
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 3) interrupt.abort();
      },
    });
    assert.equal(code, 0);
    assert.deepEqual(sleeps, [1000, 2000, 4000]);
    const line = `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${socketPath}: connect: no such file or directory"\n`;
    assert.equal(stderr.text(), line.repeat(3));
    assert.equal(stdout.text(), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('api watch stops with exit code 1 on INVALID_ARGUMENT (printing it twice, as SPIRE)', async () => {
  await withAgentCli(async (f) => {
    const stderr = sink();
    const code = await main(['api', 'watch', '-socketPath', f.socketPath], {
      stdout: sink(),
      stderr,
      env: {},
      interrupt: () => ({ signal: new AbortController().signal, dispose: () => {} }),
      // A connector that leaves the security header out.
      connect: withoutHeader,
    });
    assert.equal(code, 1);
    assert.equal(stderr.text(), 'rpc error: code = InvalidArgument desc = security header missing from request\n'.repeat(2));
  });
});

/** A connection that leaves the security header out. */
function withoutHeader(socketPath: string): WorkloadConnection {
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: { createConnection: () => net.connect(socketPath) } });
  return { workload: createClient(workload.SpiffeWorkloadAPI, transport), health: createClient(healthv1.Health, transport), close: () => {} };
}
