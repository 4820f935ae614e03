import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { Socket } from 'node:net';
import { authorizeAny, authorizeId, isSpiffeError, type SpiffeError, type X509Svid } from '@tspire/spiffe';
import { isWorkloadError } from '../errors.js';
import { mtlsClientOptions, mtlsServerOptions, peerSpiffeId, tlsClientOptions, tlsServerOptions, type SpiffeServerOptions } from './index.js';
import { bundleSet, close, connectAndRead, listen, SwappableSvidSource, testDomain, testSvid, type TestDomain } from './fixtures.test-helper.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
let example: TestDomain;
let other: TestDomain;
let serverSvid: X509Svid;
let clientSvid: X509Svid;

before(async () => {
  example = await testDomain('example.org');
  other = await testDomain('other.org');
  serverSvid = await testSvid(example, SERVER_ID);
  clientSvid = await testSvid(example, CLIENT_ID);
});

/** An mTLS echo server: greets each verified client with its SPIFFE ID; records refusals. */
async function withServer(
  options: SpiffeServerOptions,
  run: (port: number, refusals: Error[], greeted: string[]) => Promise<void>,
): Promise<void> {
  const refusals: Error[] = [];
  const greeted: string[] = [];
  const server = options.attach(
    tls.createServer(options, (socket) => {
      const id = options.requestCert ? String((socket as tls.TLSSocket).getPeerX509Certificate()?.subjectAltName) : 'anonymous';
      greeted.push(id);
      socket.end(`hello ${id}`);
    }),
  );
  server.on('tlsClientError', (err) => refusals.push(err));
  const port = await listen(server);
  try {
    await run(port, refusals, greeted);
  } finally {
    await close(server);
  }
}

function serverOptions(authorizer = authorizeId(CLIENT_ID), clock?: { now(): Date }) {
  return mtlsServerOptions(new SwappableSvidSource(serverSvid), bundleSet(example), authorizer, clock === undefined ? {} : { clock });
}

test('mTLS succeeds when both sides hold SVIDs of the bundle and are authorized', async () => {
  await withServer(serverOptions(), async (port, refusals) => {
    const result = await connectAndRead(port, mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeId(SERVER_ID)));
    assert.equal(result.error, undefined);
    assert.equal(result.data, `hello URI:${CLIENT_ID}`);
    // A client sending SNI goes through SNICallback and gets the same current SVID.
    const withSni = await connectAndRead(port, { ...mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeId(SERVER_ID)), servername: 'api.example' });
    assert.equal(withSni.data, `hello URI:${CLIENT_ID}`);
    assert.equal(withSni.serverSerial, serverSvid.leaf.serialNumber);
    assert.deepEqual(refusals, []);
  });
});

test('an X509Source-like value (SVID and bundles in one) is accepted as (source, authorizer)', async () => {
  const serverSource = { getX509Svid: () => serverSvid, getX509BundleForTrustDomain: (td: never) => bundleSet(example).getX509BundleForTrustDomain(td), bundles: () => [example.bundle] };
  const clientSource = { getX509Svid: () => clientSvid, getX509BundleForTrustDomain: (td: never) => example.bundle.getX509BundleForTrustDomain(td), bundles: () => [example.bundle] };
  await withServer(mtlsServerOptions(serverSource, authorizeId(CLIENT_ID)), async (port) => {
    const result = await connectAndRead(port, mtlsClientOptions(clientSource, authorizeId(SERVER_ID)));
    assert.equal(result.data, `hello URI:${CLIENT_ID}`);
  });
});

/** Runs a client the server must refuse; asserts it got no data and returns the server's reason. */
async function refusedClient(options: SpiffeServerOptions, client: tls.ConnectionOptions): Promise<SpiffeError> {
  let reason: Error | undefined;
  await withServer(options, async (port, refusals, greeted) => {
    const result = await connectAndRead(port, client);
    assert.equal(result.data, '', 'a refused client must receive nothing');
    assert.deepEqual(greeted, [], 'the application must never see a refused client');
    reason = refusals[0];
  });
  assert.ok(isSpiffeError(reason), `expected a SpiffeError, got ${String(reason)}`);
  return reason;
}

test('a client SVID from another trust domain is refused (no bundle for it)', async () => {
  const stranger = await testSvid(other, 'spiffe://other.org/client');
  const reason = await refusedClient(serverOptions(authorizeAny()), mtlsClientOptions(new SwappableSvidSource(stranger), example.bundle, authorizeId(SERVER_ID)));
  assert.equal(reason.code, 'ERR_X509_NO_BUNDLE');
});

test('a client claiming example.org but signed by another CA is refused, even if that CA is trusted for its own domain', async () => {
  const forged = await testSvid(other, 'spiffe://example.org/client');
  const options = mtlsServerOptions(new SwappableSvidSource(serverSvid), bundleSet(example, other), authorizeAny());
  const reason = await refusedClient(options, mtlsClientOptions(new SwappableSvidSource(forged), example.bundle, authorizeId(SERVER_ID)));
  assert.equal(reason.code, 'ERR_X509_UNKNOWN_AUTHORITY');
});

test('an expired client SVID is refused (server clock injected past its notAfter)', async () => {
  const later = { now: () => new Date(clientSvid.expiresAt.getTime() + 1000) };
  const reason = await refusedClient(serverOptions(authorizeAny(), later), mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeId(SERVER_ID)));
  assert.equal(reason.code, 'ERR_X509_EXPIRED');
});

test('a client whose ID the authorizer refuses gets nothing', async () => {
  const intruder = await testSvid(example, 'spiffe://example.org/intruder');
  const reason = await refusedClient(serverOptions(), mtlsClientOptions(new SwappableSvidSource(intruder), example.bundle, authorizeId(SERVER_ID)));
  assert.equal(reason.code, 'ERR_ID_NOT_AUTHORIZED');
  assert.match(reason.message, /intruder/);
});

test('a client without a certificate is refused by an mTLS server', async () => {
  const reason = await refusedClient(serverOptions(authorizeAny()), tlsClientOptions(example.bundle, authorizeId(SERVER_ID)));
  assert.equal(reason.code, 'ERR_X509_EMPTY_CHAIN');
});

test('server rotation: new connections get the new SVID without a restart', async () => {
  const source = new SwappableSvidSource(serverSvid);
  const options = mtlsServerOptions(source, bundleSet(example), authorizeId(CLIENT_ID));
  const client = mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeId(SERVER_ID));
  await withServer(options, async (port) => {
    const first = await connectAndRead(port, client);
    assert.equal(first.serverSerial, serverSvid.leaf.serialNumber);
    source.svid = await testSvid(example, SERVER_ID);
    const second = await connectAndRead(port, client);
    assert.equal(second.serverSerial, source.svid.leaf.serialNumber);
    assert.notEqual(second.serverSerial, first.serverSerial);
    assert.equal(second.data, `hello URI:${CLIENT_ID}`);
  });
});

test('client rotation: the server sees the client SVID current at connect time', async () => {
  const clientSource = new SwappableSvidSource(clientSvid);
  const client = mtlsClientOptions(clientSource, example.bundle, authorizeAny());
  const renamed = await testSvid(example, 'spiffe://example.org/client-v2');
  await withServer(serverOptions(authorizeAny()), async (port) => {
    assert.equal((await connectAndRead(port, client)).data, `hello URI:${CLIENT_ID}`);
    clientSource.svid = renamed;
    assert.equal((await connectAndRead(port, client)).data, 'hello URI:spiffe://example.org/client-v2');
  });
});

test('the client refuses a server whose ID the authorizer does not accept', async () => {
  const reasons: Error[] = [];
  const client = mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeId('spiffe://example.org/other-server'), {
    onError: (err) => reasons.push(err),
  });
  await withServer(serverOptions(), async (port) => {
    const result = await connectAndRead(port, client);
    assert.equal(result.data, '');
    assert.ok(isSpiffeError(result.error, 'ERR_ID_NOT_AUTHORIZED'));
  });
  assert.equal(reasons.length, 1);
});

test('the client refuses a server from another trust domain and an expired server', async () => {
  const strangerServer = await testSvid(other, 'spiffe://other.org/server');
  const expiredServer = await testSvid(example, SERVER_ID, { notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) });
  for (const svid of [strangerServer, expiredServer]) {
    const options = mtlsServerOptions(new SwappableSvidSource(svid), bundleSet(example), authorizeAny());
    await withServer(options, async (port, _refusals, greeted) => {
      const result = await connectAndRead(port, tlsClientOptions(bundleSet(example), authorizeAny()));
      assert.equal(result.data, '');
      assert.ok(result.error !== undefined, 'the client must fail');
      assert.deepEqual(greeted, []);
    });
  }
});

test('the client checks the server against the bundle of its own trust domain, not any trusted CA', async () => {
  // node's pre-filter accepts (other.org's CA is an anchor); the SPIFFE check refuses.
  const forgedServer = await testSvid(other, SERVER_ID);
  const options = tlsServerOptions(new SwappableSvidSource(forgedServer));
  await withServer(options, async (port) => {
    const result = await connectAndRead(port, tlsClientOptions(bundleSet(example, other), authorizeAny()));
    assert.equal(result.data, '');
    assert.ok(isSpiffeError(result.error, 'ERR_X509_UNKNOWN_AUTHORITY'), String(result.error));
  });
});

test('TLS-only server: any client may connect, the client still authorizes the server', async () => {
  await withServer(tlsServerOptions(new SwappableSvidSource(serverSvid)), async (port) => {
    const result = await connectAndRead(port, tlsClientOptions(example.bundle, authorizeId(SERVER_ID)));
    assert.equal(result.data, 'hello anonymous');
  });
});

test('options that were never attached refuse every handshake', async () => {
  const options = serverOptions(authorizeAny());
  const server = tls.createServer(options, (socket) => socket.end('must not happen'));
  const port = await listen(server);
  try {
    const client = mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeAny());
    const noSni = await connectAndRead(port, client);
    assert.equal(noSni.data, '');
    assert.ok(noSni.error !== undefined);
    const refusals: Error[] = [];
    server.on('tlsClientError', (err) => refusals.push(err));
    const withSni = await connectAndRead(port, { ...client, servername: 'server.example' });
    assert.equal(withSni.data, '');
    assert.ok(refusals.some((err) => isWorkloadError(err, 'ERR_WORKLOAD_BAD_REQUEST') && /attach/.test(err.message)));
  } finally {
    await close(server);
  }
});

test('bad arguments are named', () => {
  assert.throws(() => tlsServerOptions({} as never), (err) => isWorkloadError(err, 'ERR_WORKLOAD_BAD_REQUEST') && /getX509Svid/.test(err.message));
  assert.throws(() => mtlsServerOptions(new SwappableSvidSource(serverSvid), example.bundle, undefined as never), /authorizer/);
  assert.throws(
    () => tlsClientOptions({ getX509BundleForTrustDomain: () => example.bundle }, authorizeAny()),
    (err) => isWorkloadError(err, 'ERR_WORKLOAD_BAD_REQUEST') && /cannot list its trust anchors/.test(err.message),
  );
  assert.throws(() => peerSpiffeId(new Socket()), (err) => isSpiffeError(err, 'ERR_X509_NO_URI_SAN'));
});
