import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { encodePem } from '@tspire/spiffe';
import { createCa, createLeaf, type Issued } from '@tspire/spiffe/testing';
import { createTrustBundleFetcher } from './trust-bundle-fetch.js';

const HOUR = 3_600_000;
const BODY = '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n';

/** Routes: /bundle.pem answers BODY, /big a body over the limit, anything else 404. */
const routes: RequestListener = (req, res) => {
  if (req.url === '/bundle.pem') res.end(BODY);
  else if (req.url === '/big') res.end('x'.repeat(4096));
  else if (req.url === '/moved') res.writeHead(302, { location: '/bundle.pem' }).end();
  else if (req.url === '/loop') res.writeHead(301, { location: '/loop' }).end();
  else if (req.url === '/downgrade') res.writeHead(307, { location: 'http://127.0.0.1:1/bundle.pem' }).end();
  else res.writeHead(404).end('no');
};

function listen(server: Server, target: number | string): Promise<void> {
  return new Promise((resolve) => (typeof target === 'number' ? server.listen(target, '127.0.0.1', resolve) : server.listen(target, resolve)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('trust bundle fetcher', () => {
  let ca: Issued;
  let https: Server;
  let base: string;
  let dir: string;
  let unix: Server;
  let socketPath: string;

  before(async () => {
    const validity = { notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + HOUR) };
    ca = await createCa({ ...validity, subject: 'CN=bundle test CA', uris: [] });
    const san = new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]);
    const leaf = await createLeaf(ca, { ...validity, subject: 'CN=bundles', uris: [], extraExtensions: [san] });
    https = createHttpsServer({ cert: encodePem('CERTIFICATE', leaf.der), key: leaf.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) }, routes);
    await listen(https, 0);
    base = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'tspire-bundle-url-'));
    socketPath = join(dir, 'bundle.sock');
    unix = createHttpServer(routes);
    await listen(unix, socketPath);
  });

  after(async () => {
    await closeServer(https);
    await closeServer(unix);
    await rm(dir, { recursive: true, force: true });
  });

  const withCa = () => createTrustBundleFetcher({ ca: encodePem('CERTIFICATE', ca.der), maxBytes: 1024 });

  it('GETs the bundle over HTTPS, verified by the given CA', async () => {
    assert.equal(Buffer.from(await withCa()({ url: `${base}/bundle.pem` })).toString(), BODY);
  });

  it('verifies the server with the default roots, which do not hold the test CA', async () => {
    await assert.rejects(createTrustBundleFetcher()({ url: `${base}/bundle.pem` }), (err: Error) => /certificate/i.test(err.message));
  });

  it('accepts only a 200 answer within the size limit', async () => {
    await assert.rejects(withCa()({ url: `${base}/missing` }), /unexpected status code 404/);
    await assert.rejects(withCa()({ url: `${base}/big` }), /larger than 1024 bytes/);
  });

  it('follows https redirects (at most 10), never down to plain http', async () => {
    assert.equal(Buffer.from(await withCa()({ url: `${base}/moved` })).toString(), BODY);
    await assert.rejects(withCa()({ url: `${base}/loop` }), /stopped after 10 redirects/);
    await assert.rejects(withCa()({ url: `${base}/downgrade` }), /refusing a redirect to "http:"/);
  });

  it('refuses plain http:// and other schemes without trust_bundle_unix_socket', async () => {
    await assert.rejects(withCa()({ url: 'http://127.0.0.1:1/bundle.pem' }), /must use https:\/\/ \(http:\/\/ only with trust_bundle_unix_socket\)/);
    await assert.rejects(withCa()({ url: 'ftp://127.0.0.1/bundle.pem' }), /unsupported scheme "ftp:"/);
    await assert.rejects(withCa()({ url: 'not a url' }), /not a valid URL/);
  });

  it('GETs http:// through trust_bundle_unix_socket', async () => {
    const body = await withCa()({ url: 'http://bundles.local/bundle.pem', unixSocket: socketPath });
    assert.equal(Buffer.from(body).toString(), BODY);
    await assert.rejects(withCa()({ url: 'http://bundles.local/nope', unixSocket: socketPath }), /unexpected status code 404/);
  });
});
