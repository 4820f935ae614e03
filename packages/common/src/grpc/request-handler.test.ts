import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectRouter } from '@connectrpc/connect';
import { healthv1 } from '@tspire/proto';
import { grpcRequestHandler, guardRequestHandler, type GrpcRequestHandler } from './request-handler.js';
import { unknownGrpcMethod } from './unknown-method.js';

/** One raw HTTP/2 gRPC call with the given :authority; resolves with the response headers (incl. trailers-only status). */
function call(socketPath: string, path: string, authority: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    const fail = (err: Error): void => {
      session.destroy();
      reject(err);
    };
    session.on('error', fail);
    const req = session.request({ ':method': 'POST', ':path': path, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' });
    let headers: Record<string, unknown> = {};
    req.on('response', (h) => (headers = { ...h }));
    req.on('trailers', (t) => (headers = { ...headers, ...t }));
    req.on('close', () => {
      session.close();
      resolve(headers);
    });
    req.on('error', fail);
    req.resume(); // the body must be read for the stream to end
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

describe('grpcRequestHandler', () => {
  let dir: string;
  let server: http2.Http2Server;
  let socketPath: string;
  const failures: unknown[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tspire-grpc-handler-'));
    socketPath = join(dir, 'api.sock');
    const routes = (router: ConnectRouter) =>
      router.service(healthv1.Health, { check: () => ({ status: healthv1.HealthCheckResponse_ServingStatus.SERVING }) });
    server = http2.createServer(grpcRequestHandler({ routes, fallback: unknownGrpcMethod }, (err) => failures.push(err)));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a request whose :authority is a percent-encoded socket path (gRPC C core, grpcio)', async () => {
    const headers = await call(socketPath, '/grpc.health.v1.Health/Check', 'tmp%2Fspire-agent%2Fpublic%2Fapi.sock');
    assert.equal(headers[':status'], 200);
    assert.equal(headers['grpc-status'], '0');
    assert.deepEqual(failures, []);
  });

  it('serves requests with other unparseable authorities', async () => {
    for (const authority of ['[::1', 'x:notaport', '%', 'a%2Fb%2F..%2Fc.sock']) {
      const headers = await call(socketPath, '/grpc.health.v1.Health/Check', authority);
      assert.equal(headers['grpc-status'], '0', authority);
    }
    const unknown = await call(socketPath, '/no.Such/Method', 'a%2Fb');
    assert.equal(unknown['grpc-status'], '12');
  });
});

describe('guardRequestHandler', () => {
  it('answers INTERNAL instead of letting a synchronous throw escape the request listener', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tspire-grpc-guard-'));
    const socketPath = join(dir, 'api.sock');
    const failures: unknown[] = [];
    const throwing: GrpcRequestHandler = () => {
      throw new TypeError('Invalid URL');
    };
    const server = http2.createServer(guardRequestHandler(throwing, (err) => failures.push(err)));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const headers = await call(socketPath, '/any/Method', 'localhost');
      assert.equal(headers['grpc-status'], '13');
      assert.equal(failures.length, 1);
      assert.match(String(failures[0]), /Invalid URL/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
