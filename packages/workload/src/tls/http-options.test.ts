import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { authorize, authorizeId, isSpiffeError, type X509Svid } from '@tspire/spiffe';
import { mtlsClientOptions, mtlsServerOptions, peerSpiffeId } from './index.js';
import { bundleSet, close, listen, SwappableSvidSource, testDomain, testSvid, type TestDomain } from './fixtures.test-helper.js';

const SERVER_ID = 'spiffe://example.org/api';
const CLIENT_ID = 'spiffe://example.org/web';
let example: TestDomain;
let serverSvid: X509Svid;
let clientSvid: X509Svid;
let intruderSvid: X509Svid;

before(async () => {
  example = await testDomain('example.org');
  serverSvid = await testSvid(example, SERVER_ID);
  clientSvid = await testSvid(example, CLIENT_ID);
  intruderSvid = await testSvid(example, 'spiffe://example.org/intruder');
});

function serverOptions() {
  return mtlsServerOptions(new SwappableSvidSource(serverSvid), bundleSet(example), authorizeId(CLIENT_ID));
}

function clientOptions(svid: X509Svid) {
  return mtlsClientOptions(new SwappableSvidSource(svid), example.bundle, authorizeId(SERVER_ID));
}

function httpsGet(port: number, svid: X509Svid, agent: https.Agent): Promise<{ status?: number; body: string; error?: Error }> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', agent, ...clientOptions(svid) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ ...(res.statusCode === undefined ? {} : { status: res.statusCode }), body }));
    });
    req.on('error', (error) => resolve({ body: '', error }));
  });
}

test('https: the authorized client gets an answer naming it; another ID never gets a response', async () => {
  let handled = 0;
  const options = serverOptions();
  const server = options.attach(
    https.createServer(options, (req, res) => {
      handled += 1;
      res.end(`hello ${peerSpiffeId(req.socket as TLSSocket)}`);
    }),
  );
  const port = await listen(server);
  const agent = new https.Agent({ keepAlive: false });
  try {
    const ok = await httpsGet(port, clientSvid, agent);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, `hello ${CLIENT_ID}`);
    const refused = await httpsGet(port, intruderSvid, agent);
    assert.equal(refused.status, undefined);
    assert.ok(refused.error !== undefined, 'the request must fail');
    assert.equal(handled, 1, 'the handler ran for the authorized client only');
  } finally {
    agent.destroy();
    await close(server);
  }
});

function http2Get(port: number, svid: X509Svid): Promise<{ status?: number; body: string; error?: Error }> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, clientOptions(svid));
    let settled = false;
    const finish = (result: { status?: number; body: string; error?: Error }) => {
      if (settled) return;
      settled = true;
      session.destroy();
      resolve(result);
    };
    session.on('error', (error) => finish({ body: '', error }));
    session.on('close', () => finish({ body: '', error: new Error('session closed before a response') }));
    const req = session.request({ ':path': '/' });
    let status: number | undefined;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => finish({ ...(status === undefined ? {} : { status }), body }));
    req.on('error', (error) => finish({ body: '', error }));
  });
}

test('http2: the authorized client gets an answer naming it; another ID never gets a response', async () => {
  let handled = 0;
  const refusals: Error[] = [];
  const options = serverOptions();
  const server = options.attach(
    http2.createSecureServer(options, (req, res) => {
      handled += 1;
      res.end(`hello ${peerSpiffeId(req.socket as TLSSocket)}`);
    }),
  );
  server.on('tlsClientError', (err) => refusals.push(err));
  const port = await listen(server);
  try {
    const ok = await http2Get(port, clientSvid);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, `hello ${CLIENT_ID}`);
    const refused = await http2Get(port, intruderSvid);
    assert.equal(refused.status, undefined, 'no response for a refused client');
    assert.equal(refused.body, '');
    assert.equal(handled, 1);
    assert.ok(isSpiffeError(refusals[0], 'ERR_ID_NOT_AUTHORIZED'));
  } finally {
    await close(server);
  }
});

test('https: a pooled agent never resumes a session, so every connection is authorized again', async () => {
  const options = serverOptions();
  const server = options.attach(https.createServer(options, (_req, res) => res.end('ok')));
  const port = await listen(server);
  let trustServer = true;
  const client = mtlsClientOptions(new SwappableSvidSource(clientSvid), example.bundle, authorize((id) => trustServer && id.toString() === SERVER_ID));
  // Default maxCachedSessions: the agent would offer its cached session if the options let it.
  const agent = new https.Agent({ keepAlive: false });
  const get = () =>
    new Promise<{ body: string; reused: boolean } | Error>((resolve) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', agent, ...client }, (res) => {
        let body = '';
        const reused = (res.socket as TLSSocket).isSessionReused();
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ body, reused }));
      });
      req.on('error', resolve);
    });
  try {
    assert.deepEqual(await get(), { body: 'ok', reused: false });
    assert.deepEqual(await get(), { body: 'ok', reused: false });
    trustServer = false;
    const refused = await get();
    assert.ok(isSpiffeError(refused, 'ERR_ID_NOT_AUTHORIZED'), String(refused));
  } finally {
    agent.destroy();
    await close(server);
  }
});
