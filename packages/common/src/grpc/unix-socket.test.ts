import assert from 'node:assert/strict';
import { link, lstat, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isTspireError } from '../errors/tspire-error.js';
import { listenOnUnixSocket, unlinkSocket } from './unix-socket.js';

const MODES = { dirMode: 0o750, socketMode: 0o770, what: 'test socket' };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-sock-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('listenOnUnixSocket', () => {
  it('creates missing directories and the socket with the given modes, leaving existing directories alone', () => withDir(async (dir) => {
    await mkdir(join(dir, 'existing'), { mode: 0o711 });
    const path = join(dir, 'existing', 'a', 'b', 'api.sock');
    const server = net.createServer();
    await listenOnUnixSocket(server, path, MODES);
    try {
      assert.equal((await stat(join(dir, 'existing'))).mode & 0o777, 0o711);
      assert.equal((await stat(join(dir, 'existing', 'a'))).mode & 0o777, 0o750);
      assert.equal((await stat(join(dir, 'existing', 'a', 'b'))).mode & 0o777, 0o750);
      assert.equal((await stat(path)).mode & 0o777, 0o770);
    } finally {
      await closeServer(server);
    }
  }));

  it('replaces a stale socket, but refuses one in use and a file that is not a socket', () => withDir(async (dir) => {
    const path = join(dir, 'api.sock');
    const first = net.createServer();
    await listenOnUnixSocket(first, path, MODES);
    const second = net.createServer();
    await assert.rejects(listenOnUnixSocket(second, path, MODES), (err) => isTspireError(err, 'ERR_FAILED_PRECONDITION'));
    await closeServer(first);
    // A socket file whose listener is gone (node unlinks on close, so a hard link stays behind).
    const elsewhere = join(dir, 'elsewhere.sock');
    const gone = net.createServer();
    await listenOnUnixSocket(gone, elsewhere, MODES);
    await link(elsewhere, path);
    await closeServer(gone);
    assert.ok((await lstat(path)).isSocket());
    await listenOnUnixSocket(second, path, MODES);
    await closeServer(second);

    const regular = join(dir, 'file');
    await writeFile(regular, 'keep me');
    await assert.rejects(listenOnUnixSocket(net.createServer(), regular, MODES), (err) => isTspireError(err, 'ERR_INVALID_ARGUMENT') && /is not a socket/.test(err.message));
    assert.equal((await stat(regular)).size, 7);
  }));

  it('rejects an empty path and one too long for a UNIX socket, naming the limit', async () => {
    await assert.rejects(listenOnUnixSocket(net.createServer(), '', MODES), (err) => isTspireError(err, 'ERR_INVALID_ARGUMENT') && err.message === 'test socket path is empty');
    const long = `/tmp/${'x'.repeat(120)}.sock`;
    await assert.rejects(listenOnUnixSocket(net.createServer(), long, MODES), (err) => isTspireError(err, 'ERR_INVALID_ARGUMENT') && /at most 107/.test(err.message));
  });

  it('unlinkSocket ignores a missing file', async () => {
    await unlinkSocket(join(tmpdir(), 'tspire-no-such-socket.sock'));
  });
});
