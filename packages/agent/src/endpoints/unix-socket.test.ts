import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isTspireError } from '@tspire/common';
import { listenOnUnixSocket } from './unix-socket.js';

// The behaviour itself is tested in @tspire/common (grpc/unix-socket.test.ts).
describe('agent listenOnUnixSocket', () => {
  it('reports the agent codes for a bad path and a socket in use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tspire-sock-'));
    const modes = { dirMode: 0o750, socketMode: 0o770, what: 'test socket' };
    try {
      const regular = join(dir, 'file');
      await writeFile(regular, 'x');
      await assert.rejects(listenOnUnixSocket(net.createServer(), regular, modes), (err) => isTspireError(err, 'ERR_AGENT_SOCKET_PATH'));
      const path = join(dir, 'api.sock');
      const first = net.createServer();
      await listenOnUnixSocket(first, path, modes);
      try {
        await assert.rejects(listenOnUnixSocket(net.createServer(), path, modes), (err) => isTspireError(err, 'ERR_AGENT_SOCKET_IN_USE'));
      } finally {
        await new Promise<void>((resolve) => first.close(() => resolve()));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
