/**
 * The peercred addon on real sockets: a UNIX socket server sees its peer's pid/uid/gid (this
 * process, a child process, a child running as another uid), through net and HTTP/2; TCP and
 * closed sockets are refused.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerCredError } from './errors.js';
import { DEFAULT_ADDON_PATH, loadPeerCredAddon } from './native-addon.js';
import { peerCredentials, socketFd } from './peer-credentials.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peercred-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Listens on a fresh UNIX socket; resolves each accepted socket through `onSocket`. */
async function unixServer(name: string): Promise<{ path: string; server: net.Server; next: () => Promise<net.Socket> }> {
  const path = join(dir, name);
  const waiting: ((socket: net.Socket) => void)[] = [];
  const server = net.createServer((socket) => waiting.shift()?.(socket));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, server, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

function closeServer(server: net.Server | http2.Http2Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Runs `node -e <code>` with optional leading argv (e.g. setpriv), returns the child and its exit. */
function child(command: string[], code: string): { pid: number; exited: Promise<number | null> } {
  const [file, ...args] = [...command, process.execPath, '-e', code];
  const proc = spawn(file!, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (status) => resolve(status)));
  assert.ok(proc.pid !== undefined, `could not start ${file}`);
  return { pid: proc.pid, exited };
}

/** Child code: connect to the socket and stay until the server closes it. */
const connectAndWait = (path: string): string =>
  `const s = require('node:net').connect(${JSON.stringify(path)}); s.on('data', () => {}); s.on('close', () => process.exit(0)); s.on('error', () => process.exit(3));`;

describe('peerCredentials on real UNIX sockets', () => {
  it('a server sees this process as its peer', async () => {
    const { path, server, next } = await unixServer('self.sock');
    const accepted = next();
    const client = net.connect(path);
    const socket = await accepted;
    assert.deepEqual(peerCredentials(socket), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    client.destroy();
    socket.destroy();
    await closeServer(server);
  });

  it('a server sees a child process by its own pid', async () => {
    const { path, server, next } = await unixServer('child.sock');
    const accepted = next();
    const proc = child([], connectAndWait(path));
    const socket = await accepted;
    const cred = peerCredentials(socket);
    assert.equal(cred.pid, proc.pid);
    assert.notEqual(cred.pid, process.pid);
    socket.end();
    assert.equal(await proc.exited, 0);
    await closeServer(server);
  });

  it('a child that dropped to another uid/gid is seen with them', { skip: process.getuid?.() !== 0 && 'needs root to drop to another uid' }, async () => {
    await chmod(dir, 0o755);
    const { path, server, next } = await unixServer('other-uid.sock');
    await chmod(path, 0o777);
    const accepted = next();
    const proc = child(['setpriv', '--reuid=65534', '--regid=65533', '--clear-groups'], connectAndWait(path));
    const socket = await accepted;
    const cred = peerCredentials(socket);
    // setpriv execs node in place, so the pid is the child's own.
    assert.deepEqual(cred, { pid: proc.pid, uid: 65534, gid: 65533 });
    socket.end();
    assert.equal(await proc.exited, 0);
    await closeServer(server);
  });

  it('works on the socket of an HTTP/2 server session (connect-node serves gRPC on these)', async () => {
    const path = join(dir, 'h2.sock');
    const server = http2.createServer();
    const seen = new Promise<unknown>((resolve, reject) =>
      server.on('stream', (stream) => {
        try {
          resolve(peerCredentials(stream.session!.socket as net.Socket));
        } catch (err) {
          reject(err);
        }
        stream.respond({ ':status': 200 });
        stream.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
    const request = session.request({ ':path': '/' });
    request.resume();
    request.end();
    assert.deepEqual(await seen, { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    await new Promise<void>((resolve) => request.on('close', resolve));
    session.close();
    await closeServer(server);
  });

  it('refuses a TCP socket (Linux would report pid 0 and the overflow uid, not an error)', async () => {
    const server = net.createServer();
    const accepted = new Promise<net.Socket>((resolve) => server.on('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const socket = await accepted;
    assert.throws(
      () => peerCredentials(socket),
      (err: unknown) => err instanceof PeerCredError && err.code === 'ERR_AGENT_PEERCRED_UNAVAILABLE' && /not a UNIX domain socket/.test(err.message),
    );
    client.destroy();
    socket.destroy();
    await closeServer(server);
  });

  it('refuses a closed socket', async () => {
    const { path, server, next } = await unixServer('closed.sock');
    const accepted = next();
    const client = net.connect(path);
    const socket = await accepted;
    socket.destroy();
    client.destroy();
    assert.throws(() => socketFd(socket), /socket is closed/);
    assert.throws(() => peerCredentials(socket), { name: 'PeerCredError', code: 'ERR_AGENT_PEERCRED_UNAVAILABLE' });
    await closeServer(server);
  });
});

describe('the addon itself', () => {
  const addon = loadPeerCredAddon();

  it('is loaded once per path', () => {
    assert.equal(loadPeerCredAddon(DEFAULT_ADDON_PATH), addon);
  });

  it('names the errno when the fd is not a socket, and checks its argument', () => {
    assert.throws(() => addon.getPeerCred(0x7ffffff0), { code: 'EBADF', message: /Bad file descriptor/ });
    assert.throws(() => addon.getPeerCred('3' as unknown as number), TypeError);
    assert.throws(() => addon.getPeerCred(-1), RangeError);
    assert.throws(() => addon.getPeerCred(1.5), RangeError);
  });

  it('a missing build fails with a message saying how to build it', () => {
    assert.throws(
      () => loadPeerCredAddon(join(dir, 'nowhere', 'peercred.node')),
      (err: unknown) => err instanceof PeerCredError && /is not built: build it with `npm rebuild -w @tspire\/agent`/.test(err.message),
    );
  });

  it('a file that is not the addon is refused', async () => {
    const notAddon = join(dir, 'not-addon.cjs');
    await import('node:fs/promises').then((fs) => fs.writeFile(notAddon, 'module.exports = { other: 1 };'));
    assert.throws(() => loadPeerCredAddon(notAddon), /exports no getPeerCred function/);
  });

  it('an addon answer with pid 0 is refused (injected addon)', async () => {
    const { path, server, next } = await unixServer('fake-addon.sock');
    const accepted = next();
    const client = net.connect(path);
    const socket = await accepted;
    const fakeAddon = { getPeerCred: () => ({ pid: 0, uid: 1, gid: 1 }) };
    assert.throws(() => peerCredentials(socket, { addon: fakeAddon }), /the kernel reported pid 0/);
    client.destroy();
    socket.destroy();
    await closeServer(server);
  });
});
