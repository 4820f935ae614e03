import assert from 'node:assert/strict';
import { link, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { entryv1, healthv1 } from '@tspire/proto';
import { withApi, id, sel, type ApiFixture } from '../api/testing/fixture.test-helper.js';
import { startAdminSocket, type AdminSocketServer } from './admin-socket.js';

const nodeOptions = (socketPath: string) => ({ createConnection: () => net.connect(socketPath) });

async function withSocket(fn: (f: ApiFixture, admin: AdminSocketServer, socketPath: string) => Promise<void>): Promise<void> {
  await withApi(async (f) => {
    const socketPath = join(f.dir, 'private', 'nested', 'api.sock');
    const admin = await startAdminSocket({ deps: f.deps, socketPath });
    try {
      await fn(f, admin, socketPath);
    } finally {
      await admin.close();
    }
  });
}

/** Sends raw bytes as a gRPC request body and returns the response headers+trailers. */
function rawGrpcCall(socketPath: string, path: string, body: Uint8Array): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc+proto', te: 'trailers' });
    const result: Record<string, unknown> = {};
    req.on('response', (headers) => Object.assign(result, headers));
    req.on('trailers', (trailers) => Object.assign(result, trailers));
    req.on('data', () => {});
    req.on('end', () => { session.close(); resolve(result); });
    req.on('error', reject);
    req.end(body);
  });
}

function frame(payload: Uint8Array, declaredLength = payload.length): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, declaredLength);
  out.set(payload, 5);
  return out;
}

describe('admin socket endpoint', () => {
  it('serves gRPC over h2c on the socket with SPIRE permissions', () => withSocket(async (f, _admin, socketPath) => {
    assert.equal((await stat(join(f.dir, 'private', 'nested'))).mode & 0o777, 0o750);
    assert.equal((await stat(socketPath)).mode & 0o777, 0o770);
    const transport = createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: nodeOptions(socketPath) });
    const entries = createClient(entryv1.Entry, transport);
    const { results } = await entries.batchCreateEntry({ entries: [{ spiffeId: id('/web'), parentId: id('/node'), selectors: [sel('unix', 'uid:0')] }] });
    assert.equal(results[0]?.status?.message, 'OK');
    assert.equal((await entries.countEntries({})).count, 1);
    await assert.rejects(entries.getEntry({ id: 'nope' }), (err: unknown) =>
      err instanceof ConnectError && err.code === Code.NotFound && err.rawMessage === 'entry not found');
    const health = createClient(healthv1.Health, transport);
    assert.equal((await health.check({})).status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
  }));

  it('also speaks gRPC-Web and Connect on the same socket', () => withSocket(async (_f, _admin, socketPath) => {
    for (const transport of [
      createGrpcWebTransport({ baseUrl: 'http://localhost', httpVersion: '2', nodeOptions: nodeOptions(socketPath) }),
      createConnectTransport({ baseUrl: 'http://localhost', httpVersion: '2', nodeOptions: nodeOptions(socketPath) }),
    ]) {
      assert.equal((await createClient(entryv1.Entry, transport).countEntries({})).count, 0);
    }
  }));

  it('answers garbage, truncated and oversized messages with an error status and stays healthy', () => withSocket(async (f, _admin, socketPath) => {
    const path = '/spire.api.server.entry.v1.Entry/BatchCreateEntry';
    const garbage = await rawGrpcCall(socketPath, path, frame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x0a])));
    assert.equal(garbage['grpc-status'], String(Code.Internal));
    assert.match(decodeURIComponent(String(garbage['grpc-message'])), /^parse binary: /);
    const truncated = await rawGrpcCall(socketPath, path, frame(new Uint8Array([0x0a, 0x02]), 50));
    assert.notEqual(truncated['grpc-status'], '0');
    assert.notEqual(truncated['grpc-status'], undefined);
    const oversized = await rawGrpcCall(socketPath, path, frame(new Uint8Array(16), 5 * 1024 * 1024));
    assert.equal(oversized['grpc-status'], String(Code.ResourceExhausted));
    const unknown = await rawGrpcCall(socketPath, '/spire.api.server.entry.v1.Entry/NoSuchMethod', frame(new Uint8Array(0)));
    assert.equal(unknown['grpc-status'], String(Code.Unimplemented));
    assert.equal(await f.ds.countEntries(), 0);
    const transport = createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: nodeOptions(socketPath) });
    assert.equal((await createClient(healthv1.Health, transport).check({})).status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
  }));

  it('removes a stale socket, refuses a live one or a regular file, and removes its socket on close', () => withApi(async (f) => {
    const socketPath = join(f.dir, 'api.sock');
    // A stale socket: a hard link to a listening socket's inode outlives the listener.
    const probe = net.createServer();
    const probePath = join(f.dir, 'probe.sock');
    await new Promise<void>((resolve) => probe.listen(probePath, resolve));
    await link(probePath, socketPath);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const admin = await startAdminSocket({ deps: f.deps, socketPath });
    await assert.rejects(startAdminSocket({ deps: f.deps, socketPath }), /is in use by another process/);
    await admin.close();
    await admin.close();
    await assert.rejects(stat(socketPath), /ENOENT/);

    await writeFile(socketPath, 'not a socket');
    await assert.rejects(startAdminSocket({ deps: f.deps, socketPath }), /exists and is not a socket/);
    assert.equal((await stat(socketPath)).isFile(), true);
    await rm(socketPath);
  }));

  it('closes gracefully: a call in flight completes', () => withSocket(async (f, admin, socketPath) => {
    const transport = createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: nodeOptions(socketPath) });
    const entries = createClient(entryv1.Entry, transport);
    // Hold the call inside its handler so close() happens while it is really in flight.
    const original = f.ds.createEntries.bind(f.ds);
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => { entered = resolve; });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    f.ds.createEntries = async (list) => { entered(); await gate; return original(list); };
    const inFlight = entries.batchCreateEntry({ entries: [{ spiffeId: id('/a'), parentId: id('/p'), selectors: [sel('a', 'b')] }] });
    await inHandler;
    const closing = admin.close();
    release();
    const { results } = await inFlight;
    assert.equal(results[0]?.status?.code, 0);
    await closing;
    assert.equal(await f.ds.countEntries(), 1);
  }));
});
