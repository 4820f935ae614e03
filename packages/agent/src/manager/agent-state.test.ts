import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AGENT_STATE_FILE, agentStateStore } from './agent-state.js';
import { ManagerError } from './errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspire-state-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('agent state store', () => {
  it('round-trips SVID, bundle and reattestable through agent-data.json atomically', async () => {
    const store = agentStateStore(dir);
    assert.equal(await store.load(), undefined);
    const state = { svid: [new Uint8Array([0x30, 1]), new Uint8Array([0x30, 2])], bundle: [new Uint8Array([0x30, 3])], reattestable: true };
    await store.save(state);
    assert.deepEqual(await agentStateStore(dir).load(), state);
    assert.deepEqual(await readdir(dir), [AGENT_STATE_FILE]);
    assert.equal((await stat(join(dir, AGENT_STATE_FILE))).mode & 0o777, 0o600);
  });

  for (const [name, body, message] of [
    ['not JSON', '{', /is not JSON/],
    ['no svid', JSON.stringify({ bundle: ['MAE='] }), /"svid" must be a non-empty list/],
    ['empty bundle', JSON.stringify({ svid: ['MAE='], bundle: [] }), /"bundle" must be a non-empty list/],
    ['bad reattestable', JSON.stringify({ svid: ['MAE='], bundle: ['MAE='], reattestable: 'yes' }), /"reattestable" must be a boolean/],
  ] as const) {
    it(`rejects a file with ${name}`, async () => {
      await writeFile(join(dir, AGENT_STATE_FILE), body);
      await assert.rejects(agentStateStore(dir).load(), (err: unknown) => err instanceof ManagerError && err.code === 'ERR_AGENT_STATE' && message.test(err.message));
    });
  }
});
