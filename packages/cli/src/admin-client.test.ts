import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { bundlev1, healthv1 } from '@tspire/proto';
import { connectAdminSocket, dialErrorMessage } from './admin-client.js';
import { startFakeAdminServer } from './testing/fake-admin-server.js';
import { runCli } from './testing/run-cli.js';

test('createGrpcTransport with createConnection reaches an HTTP/2 server on a UNIX socket', async () => {
  const server = await startFakeAdminServer((r) => r.service(bundlev1.Bundle, { countBundles: () => ({ count: 3 }) }));
  try {
    const transport = createGrpcTransport({
      baseUrl: 'http://localhost',
      nodeOptions: { createConnection: () => net.connect(server.socketPath) },
    });
    const resp = await createClient(bundlev1.Bundle, transport).countBundles({});
    assert.equal(resp.count, 3);
  } finally {
    await server.close();
  }
});

test('connectAdminSocket clients call the server and close cleanly', async () => {
  const server = await startFakeAdminServer((r) => r.service(healthv1.Health, { check: () => ({ status: healthv1.HealthCheckResponse_ServingStatus.SERVING }) }));
  try {
    const client = await connectAdminSocket(server.socketPath);
    const resp = await client.health.check({});
    client.close();
    assert.equal(resp.status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
    assert.deepEqual(server.calls.map((c) => c.method), ['Health/Check']);
  } finally {
    await server.close();
  }
});

test('a missing socket fails with Go gRPC\'s dial message before the command runs', async () => {
  const run = await runCli(['entry', 'create'], [], { socketPath: '/does-not-exist.sock' });
  assert.deepEqual(run, {
    code: 1,
    stdout: '',
    stderr: 'Error: connection error: desc = "transport: error while dialing: dial unix /does-not-exist.sock: connect: no such file or directory"\n',
  });
  const refused = Object.assign(new Error('connect ECONNREFUSED /s'), { code: 'ECONNREFUSED' });
  assert.equal(dialErrorMessage('/s', refused), 'connection error: desc = "transport: error while dialing: dial unix /s: connect: connection refused"');
});
