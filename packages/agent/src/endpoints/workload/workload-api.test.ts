import assert from 'node:assert/strict';
import { lstat, stat } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { healthv1 } from '@tspire/proto';
import { isStatus, readStream, withWorkloadApi, UID_1000, type WorkloadFixture } from './fixture.test-helper.js';

/** One raw gRPC call with exactly the given extra headers; resolves with headers and trailers. */
function rawGrpcCall(socketPath: string, path: string, headers: http2.OutgoingHttpHeaders): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc+proto', te: 'trailers', ...headers });
    const result: Record<string, unknown> = {};
    req.on('response', (h) => Object.assign(result, h));
    req.on('trailers', (t) => Object.assign(result, t));
    req.on('data', () => {});
    req.on('end', () => {
      session.close();
      resolve(result);
    });
    req.on('error', reject);
    req.end(new Uint8Array(5)); // one empty, uncompressed message
  });
}

async function addEntry(f: WorkloadFixture, entryId = 'e1', path = '/web'): Promise<void> {
  f.source.setEntry({ entryId, spiffeId: f.spiffeId(path), selectors: UID_1000, svid: await f.svid(path) });
}

describe('Workload API endpoint', () => {
  it('listens on a UNIX socket with the SPIRE modes (created dirs 0755, socket 0777)', () => withWorkloadApi(async (f) => {
    assert.ok((await lstat(f.socketPath)).isSocket());
    assert.equal((await stat(f.socketPath)).mode & 0o777, 0o777);
    assert.equal((await stat(dirname(f.socketPath))).mode & 0o777, 0o755);
    assert.equal((await stat(dirname(dirname(f.socketPath)))).mode & 0o777, 0o755);
    assert.equal((await stat(f.dir)).mode & 0o777, 0o700, 'an existing directory keeps its mode');
    assert.equal(f.logger.find('Starting Workload API')[0]?.fields['address'], f.socketPath);
  }));

  it('ends open streams with UNAVAILABLE on close and removes the socket', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    const reader = readStream((signal) => f.client().fetchX509SVID({}, { signal }));
    await reader.next();
    await f.api.close();
    assert.ok(isStatus(Code.Unavailable, 'workload API is shutting down')(await reader.error()));
    await assert.rejects(lstat(f.socketPath), { code: 'ENOENT' });
    assert.equal(f.source.subscriberCount, 0);
  }));

  it('rejects every RPC without the security header with INVALID_ARGUMENT, before attesting', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    const client = f.client({ header: false });
    const missing = isStatus(Code.InvalidArgument, 'security header missing from request');
    assert.ok(missing(await readStream((signal) => client.fetchX509SVID({}, { signal })).error()));
    assert.ok(missing(await readStream((signal) => client.fetchX509Bundles({}, { signal })).error()));
    assert.ok(missing(await readStream((signal) => client.fetchJWTBundles({}, { signal })).error()));
    await assert.rejects(client.fetchJWTSVID({ audience: ['svc'] }), missing);
    await assert.rejects(client.validateJWTSVID({ audience: 'svc', svid: 'x.y.z' }), missing);
    assert.equal(f.attestedSockets.length, 0);
  }));

  it('accepts the header only with the value true given exactly once', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    const call = (headers: http2.OutgoingHttpHeaders) => rawGrpcCall(f.socketPath, '/SpiffeWorkloadAPI/FetchJWTBundles', headers);
    const invalid = String(Code.InvalidArgument);
    assert.equal((await call({}))['grpc-status'], invalid);
    assert.equal((await call({ 'workload.spiffe.io': 'TRUE' }))['grpc-status'], invalid);
    assert.equal((await call({ 'workload.spiffe.io': ['true', 'true'] }))['grpc-status'], invalid);
    assert.equal(decodeURIComponent(String((await call({}))['grpc-message'])), 'security header missing from request');
    // The same call with the header is served.
    const client = f.client();
    const reader = readStream((signal) => client.fetchJWTBundles({}, { signal }));
    assert.ok(Object.keys((await reader.next()).bundles).length > 0);
    reader.cancel();
  }));

  it('answers UNIMPLEMENTED for the WIT RPCs and for unknown methods', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    const reader = readStream((signal) => f.client().fetchWITSVID({}, { signal }));
    assert.ok(isStatus(Code.Unimplemented)(await reader.error()));
    const unknown = await rawGrpcCall(f.socketPath, '/SpiffeWorkloadAPI/FetchSomething', { 'workload.spiffe.io': 'true' });
    assert.equal(unknown['grpc-status'], String(Code.Unimplemented));
    const otherService = await rawGrpcCall(f.socketPath, '/envoy.service.secret.v3.SecretDiscoveryService/FetchSecrets', {});
    assert.equal(otherService['grpc-status'], String(Code.Unimplemented));
  }));

  it('serves extra services on the same socket without the security header', () => withWorkloadApi(async (f) => {
    const transport = createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: { createConnection: () => net.connect(f.socketPath) } });
    const health = createClient(healthv1.Health, transport);
    assert.equal((await health.check({})).status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
  }, { routes: (router) => router.service(healthv1.Health, { check: () => ({ status: healthv1.HealthCheckResponse_ServingStatus.SERVING }) }) }));

  it('answers INTERNAL without details when the identity source fails, and logs the cause', () => withWorkloadApi(async (f) => {
    f.source.matchingIdentities = () => {
      throw new Error('cache corrupted at /var/lib/spire/agent');
    };
    const internal = isStatus(Code.Internal, 'internal error');
    await assert.rejects(f.client().fetchJWTSVID({ audience: ['svc'] }), internal);
    assert.ok(internal(await readStream((signal) => f.client().fetchX509SVID({}, { signal })).error()));
    const logged = f.logger.find('Unexpected error serving a request');
    assert.equal(logged.length, 2);
    assert.match(String(logged[0]?.fields['error']), /cache corrupted/);
  }));

  it('attests once per connection, handing the attestor the raw socket of the connection', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    const client = f.client();
    await client.fetchJWTSVID({ audience: ['svc'] });
    await client.fetchJWTSVID({ audience: ['svc'] });
    const reader = readStream((signal) => client.fetchX509SVID({}, { signal }));
    await reader.next();
    reader.cancel();
    assert.equal(f.attestedSockets.length, 1, 'one attestation for three calls on one connection');
    const socket = f.attestedSockets[0]!;
    assert.ok(socket instanceof net.Socket);
    const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
    assert.equal(typeof handle?.fd, 'number', 'the file descriptor is reachable (for SO_PEERCRED)');
    assert.ok(handle!.fd! > 0);
    await f.client().fetchJWTSVID({ audience: ['svc'] });
    assert.equal(f.attestedSockets.length, 2, 'a new connection is attested again');
    assert.notEqual(f.attestedSockets[1], socket);
  }));

  it('answers UNAVAILABLE when attestation fails, logs why, and attests again on the next call', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    const client = f.client();
    f.selectors = new Error('cannot read /proc/4242/status');
    await assert.rejects(client.fetchJWTSVID({ audience: ['svc'] }), isStatus(Code.Unavailable, 'workload attestation failed'));
    assert.match(String(f.logger.find('Workload attestation failed')[0]?.fields['error']), /proc\/4242/);
    f.selectors = UID_1000;
    assert.equal((await client.fetchJWTSVID({ audience: ['svc'] })).svids.length, 1);
    assert.equal(f.attestedSockets.length, 2);
  }));

  it('fails closed when the attestor returns malformed selectors', () => withWorkloadApi(async (f) => {
    await addEntry(f);
    f.selectors = [{ type: '', value: 'uid:1000' }];
    await assert.rejects(f.client().fetchJWTSVID({ audience: ['svc'] }), isStatus(Code.Unavailable, 'workload attestation failed'));
    f.selectors = [{ type: 'unix' } as unknown as { type: string; value: string }];
    await assert.rejects(f.client().fetchJWTSVID({ audience: ['svc'] }), isStatus(Code.Unavailable));
  }));
});
