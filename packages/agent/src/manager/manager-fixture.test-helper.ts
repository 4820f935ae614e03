/** Shared set-up for the manager tests: a temp data dir, a FakeClock, a fake server, a manager. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, createCapturingLogger, type CapturingLogger } from '@tspire/common';
import { encodePem } from '@tspire/spiffe';
import { FIXTURE_NOW } from '@tspire/spiffe/testing';
import { createAgentManager, type AgentManager, type AgentManagerOptions } from './agent-manager.js';
import { createFakeServer, TD, type FakeServer } from './fake-server-client.test-helper.js';
import { diskKeyManager } from './key-manager.js';

export interface ManagerFixture {
  clock: FakeClock;
  fake: FakeServer;
  dir: string;
  logger: CapturingLogger;
  fatal: Error[];
  manager(overrides?: Partial<AgentManagerOptions>): AgentManager;
  /** Moves the clock and waits for the cycle the timers started. */
  tick(ms: number, manager: AgentManager): Promise<void>;
  cleanup(): Promise<void>;
}

export async function managerFixture(): Promise<ManagerFixture> {
  const clock = new FakeClock(FIXTURE_NOW);
  const fake = await createFakeServer(clock);
  const dir = await mkdtemp(join(tmpdir(), 'tspire-manager-'));
  const logger = createCapturingLogger();
  const fatal: Error[] = [];
  const started: AgentManager[] = [];
  const caPem = encodePem('CERTIFICATE', fake.ca.der);
  return {
    clock,
    fake,
    dir,
    logger,
    fatal,
    manager(overrides = {}) {
      const manager = createAgentManager({
        trustDomain: TD,
        dataDir: dir,
        trustBundle: { kind: 'path', path: '/bootstrap.pem', format: 'pem' },
        readFile: async (path) => {
          if (path !== '/bootstrap.pem') throw new Error(`unexpected read of ${path}`);
          return new Uint8Array(Buffer.from(caPem));
        },
        keyManager: diskKeyManager(join(dir, 'keys')),
        connect: (params) => fake.connect(params),
        joinToken: 'token-1',
        clock,
        random: () => 0.5,
        logger,
        onFatal: (err) => fatal.push(err),
        ...overrides,
      });
      started.push(manager);
      return manager;
    },
    async tick(ms, manager) {
      clock.advance(ms);
      await manager.whenIdle();
    },
    async cleanup() {
      for (const manager of started) await manager.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const UID_1000 = [{ type: 'unix', value: 'uid:1000' }] as const;
