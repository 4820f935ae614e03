import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCapturingLogger } from '../log/capturing-logger.js';
import { FakeClock } from '../time/fake-clock.js';
import { startUnixHttp2Server } from './unix-http2-server.js';
import { unknownGrpcMethod } from './unknown-method.js';

function request(socketPath: string, headers: http2.OutgoingHttpHeaders): Promise<http2.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    session.on('error', reject);
    const req = session.request(headers);
    req.on('response', (answer) => {
      req.resume();
      req.on('end', () => {
        session.close();
        resolve(answer);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startUnixHttp2Server', () => {
  it('serves h2c on the socket, tags connections, and close() removes the socket once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tspire-h2-'));
    const socketPath = join(dir, 'run', 'api.sock');
    let connections = 0;
    try {
      const server = await startUnixHttp2Server({
        socketPath, dirMode: 0o750, socketMode: 0o770, what: 'test socket', logger: createCapturingLogger(), clock: new FakeClock(),
        handler: unknownGrpcMethod,
        onConnection: () => connections++,
      });
      assert.equal((await stat(socketPath)).mode & 0o777, 0o770);
      const grpc = await request(socketPath, { ':method': 'POST', ':path': '/pkg.Svc/Nope', 'content-type': 'application/grpc' });
      assert.deepEqual([grpc[':status'], grpc['grpc-status'], decodeURIComponent(String(grpc['grpc-message']))], [200, '12', 'unknown method /pkg.Svc/Nope']);
      const plain = await request(socketPath, { ':method': 'GET', ':path': '/' });
      assert.equal(plain[':status'], 404);
      assert.equal(connections, 2);
      await Promise.all([server.close(), server.close()]);
      await assert.rejects(stat(socketPath), /ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
