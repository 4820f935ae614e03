import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeId, isSpiffeError, X509Svid, type Authorizer, type SpiffeId } from '@tspire/spiffe';
import { createIntermediate, createLeaf, type Issued } from '@tspire/spiffe/testing';
import * as tls from 'node:tls';
import { mtlsClientOptions, mtlsServerOptions } from './index.js';
import { parsedPeerCertificate, parsedPeerCertificateCount, peerChainDer } from './peer.js';
import { bundleSet, close, connectAndRead, listen, SwappableSvidSource, testDomain, testSvid, type TestDomain } from './fixtures.test-helper.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
const HOUR = 3_600_000;

let example: TestDomain;
let intermediate: Issued;

const validity = () => ({ notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + HOUR) });

/** An SVID for `id` issued by the example.org intermediate; the chain holds the intermediate unless told not to. */
async function svidViaIntermediate(id: string, sendIntermediate = true): Promise<X509Svid> {
  const leaf = await createLeaf(intermediate, { uris: [id], ...validity() });
  return X509Svid.fromParts(sendIntermediate ? [leaf.cert, intermediate.cert] : [leaf.cert], leaf.keys.privateKey);
}

before(async () => {
  example = await testDomain('example.org');
  intermediate = await createIntermediate(example.ca, { subject: 'CN=example.org intermediate, O=tspire', uris: ['spiffe://example.org'], ...validity() });
});

/** Counts authorizer calls. */
function counting(inner: Authorizer): { authorizer: Authorizer; calls: SpiffeId[] } {
  const calls: SpiffeId[] = [];
  return { calls, authorizer: (id) => (calls.push(id), inner(id)) };
}

async function connectOnce(serverAuthorizer: Authorizer, serverSvid: X509Svid, clientSvid: X509Svid) {
  const refusals: Error[] = [];
  const chainSeen: number[] = [];
  const options = mtlsServerOptions(new SwappableSvidSource(serverSvid), bundleSet(example), serverAuthorizer);
  const server = options.attach(
    tls.createServer(options, (socket) => {
      chainSeen.push(peerChainDer(socket.getPeerCertificate(true)).length); // what the application still reads
      socket.end('hello');
    }),
  );
  server.on('tlsClientError', (err) => refusals.push(err));
  const port = await listen(server);
  try {
    const result = await connectAndRead(port, mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorizeId(SERVER_ID)));
    return { result, refusals, chainSeen };
  } finally {
    await close(server);
  }
}

test('SVIDs with an intermediate are verified through the chain they send, on both sides', async () => {
  const server = counting(authorizeId(CLIENT_ID));
  const { result, refusals, chainSeen } = await connectOnce(server.authorizer, await svidViaIntermediate(SERVER_ID), await svidViaIntermediate(CLIENT_ID));
  assert.equal(result.error, undefined);
  assert.equal(result.data, 'hello');
  assert.deepEqual(refusals, []);
  assert.deepEqual(server.calls.map(String), [CLIENT_ID], 'the authorizer ran once');
  assert.deepEqual(chainSeen, [2], 'the verification left the client chain (leaf + intermediate) readable');
});

test('a client leaf signed by an intermediate it does not send is refused with the chain error', async () => {
  const server = counting(authorizeId(CLIENT_ID));
  const { result, refusals } = await connectOnce(server.authorizer, await testSvid(example, SERVER_ID), await svidViaIntermediate(CLIENT_ID, false));
  assert.equal(result.data, '');
  assert.ok(isSpiffeError(refusals[0], 'ERR_X509_UNKNOWN_AUTHORITY'), String(refusals[0]));
  assert.equal(server.calls.length, 0, 'an unverified ID never reaches the authorizer');
});

test('a refused ID reaches the authorizer once, with or without an intermediate', async () => {
  for (const clientSvid of [await testSvid(example, CLIENT_ID), await svidViaIntermediate(CLIENT_ID)]) {
    const server = counting(authorizeId('spiffe://example.org/someone-else'));
    const { result, refusals } = await connectOnce(server.authorizer, await testSvid(example, SERVER_ID), clientSvid);
    assert.equal(result.data, '');
    assert.ok(isSpiffeError(refusals[0], 'ERR_ID_NOT_AUTHORIZED'), String(refusals[0]));
    assert.equal(server.calls.length, 1);
  }
});

test('peer certificates are parsed once per DER, in a bounded cache; bad DER is handed back', async () => {
  const der = example.ca.der;
  const first = parsedPeerCertificate(der);
  assert.equal(parsedPeerCertificate(Buffer.from(der)), first, 'same DER, same object');
  assert.equal((first as { fingerprint256?: string }).fingerprint256, example.ca.cert.fingerprint256);
  const junk = Buffer.from('not a certificate');
  assert.equal(parsedPeerCertificate(junk), junk);
  for (let i = 0; i < 70; i++) parsedPeerCertificate((await createLeaf(example.ca, { uris: [`spiffe://example.org/w${i}`], ...validity() })).der);
  assert.equal(parsedPeerCertificateCount(), 64);
});
