import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '@tspire/common';
import { agentHealthCheck, workloadApiProbe } from './health-checks.js';
import { UID_1000, withWorkloadApi } from './workload/fixture.test-helper.js';

describe('agentHealthCheck', () => {
  const cases = [
    { status: 'running', probe: 'ok', live: true, ready: true, details: { manager_status: 'running' } },
    { status: 'running', probe: 'fails', live: true, ready: false, details: { manager_status: 'running', workload_api_err: 'socket gone' } },
    { status: 'new', probe: 'ok', live: true, ready: false, details: { manager_status: 'new', workload_api_err: 'the agent manager is new' } },
    { status: 'failed', probe: 'ok', live: false, ready: false, details: { manager_status: 'failed', workload_api_err: 'the agent manager is failed' } },
  ] as const;
  for (const c of cases) {
    it(`manager ${c.status}, probe ${c.probe}: live ${c.live}, ready ${c.ready}`, async () => {
      let probed = 0;
      const check = agentHealthCheck({
        managerStatus: () => c.status,
        probeWorkloadApi: async () => {
          probed++;
          if (c.probe === 'fails') throw new Error('socket gone');
        },
      });
      assert.deepEqual(await check(), { live: c.live, ready: c.ready, details: { agent: c.details } });
      assert.equal(probed, c.status === 'running' ? 1 : 0);
    });
  }
});

describe('workloadApiProbe', () => {
  it('succeeds on an X.509 context and on "no identity issued", fails when attestation fails', () => withWorkloadApi(async (f) => {
    const probe = workloadApiProbe({ socketPath: f.socketPath, clock: f.clock });
    await probe();
    f.source.setEntry({ entryId: 'e1', spiffeId: f.spiffeId('/web'), selectors: UID_1000, svid: await f.svid('/web') });
    await probe();
    f.selectors = new Error('attestor down');
    await assert.rejects(probe(), /^Error: cannot fetch an X\.509 context from the Workload API: /);
  }));

  it('fails when nothing listens, and after the timeout when the socket never answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tspire-probe-'));
    const socketPath = join(dir, 'api.sock');
    const clock = new FakeClock();
    try {
      await assert.rejects(workloadApiProbe({ socketPath, clock })(), /cannot fetch an X\.509 context/);
      const silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
      try {
        const probing = workloadApiProbe({ socketPath, clock, timeoutMs: 1000 })();
        clock.advance(1000);
        await assert.rejects(probing, /timed out waiting for the Workload API/);
      } finally {
        silent.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
