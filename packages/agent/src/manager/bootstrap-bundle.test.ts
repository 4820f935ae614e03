import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { before, describe, it } from 'node:test';
import { types } from '@tspire/proto';
import { SpiffeBundle, encodePem } from '@tspire/spiffe';
import { createCa, type Issued } from '@tspire/spiffe/testing';
import { AgentError } from '../errors.js';
import { ManagerError } from './errors.js';
import { TD } from './fake-server-client.test-helper.js';
import { spiffeBundleFromServer } from './server-bundle.js';
import { loadBootstrapBundle } from './trust-bundle.js';

let ca: Issued;
before(async () => {
  ca = await createCa({ uris: [TD.idString()] });
});

const files = (content: string) => async (path: string) => {
  if (path !== '/b') throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
  return new Uint8Array(Buffer.from(content));
};
const isBootstrapError = (pattern: RegExp) => (err: unknown) => err instanceof ManagerError && err.code === 'ERR_AGENT_BOOTSTRAP' && pattern.test(err.message);

describe('loadBootstrapBundle', () => {
  it('reads a PEM or SPIFFE bundle from trust_bundle_path; insecure gives none', async () => {
    const pem = await loadBootstrapBundle(TD, { kind: 'path', path: '/b', format: 'pem' }, { readFile: files(encodePem('CERTIFICATE', ca.der)) });
    assert.ok(pem?.hasX509Authority(ca.cert));
    const spiffe = new SpiffeBundle(TD, { x509Authorities: [ca.cert] }).marshal();
    assert.ok((await loadBootstrapBundle(TD, { kind: 'path', path: '/b', format: 'spiffe' }, { readFile: files(spiffe) }))?.hasX509Authority(ca.cert));
    assert.equal(await loadBootstrapBundle(TD, { kind: 'insecure' }), undefined);
  });

  it('names what is wrong', async () => {
    await assert.rejects(loadBootstrapBundle(TD, { kind: 'path', path: '/missing', format: 'pem' }, { readFile: files('') }), isBootstrapError(/cannot read trust_bundle_path \/missing/));
    await assert.rejects(loadBootstrapBundle(TD, { kind: 'path', path: '/b', format: 'spiffe' }, { readFile: files('not json') }), isBootstrapError(/not a valid spiffe bundle/));
  });

  it('fetches trust_bundle_url (through the socket when given) in either format', async () => {
    const asked: unknown[] = [];
    const serve = (body: string) => async (request: { url: string; unixSocket?: string | undefined }) => {
      asked.push(request);
      return new Uint8Array(Buffer.from(body));
    };
    const pem = await loadBootstrapBundle(TD, { kind: 'url', url: 'https://b/ca.pem', format: 'pem' }, { fetchTrustBundle: serve(encodePem('CERTIFICATE', ca.der)) });
    assert.ok(pem?.hasX509Authority(ca.cert));
    const spiffe = new SpiffeBundle(TD, { x509Authorities: [ca.cert] }).marshal();
    const viaSocket = await loadBootstrapBundle(TD, { kind: 'url', url: 'http://b/ca.json', format: 'spiffe', unixSocket: '/run/b.sock' }, { fetchTrustBundle: serve(spiffe) });
    assert.ok(viaSocket?.hasX509Authority(ca.cert));
    assert.deepEqual(asked, [{ url: 'https://b/ca.pem' }, { url: 'http://b/ca.json', unixSocket: '/run/b.sock' }]);
  });

  it('names trust_bundle_url when the fetch fails or the body is not a bundle', async () => {
    const url = { kind: 'url', url: 'https://b/ca.pem', format: 'pem' } as const;
    const failing = async () => {
      throw new Error('unexpected status code 503');
    };
    await assert.rejects(loadBootstrapBundle(TD, url, { fetchTrustBundle: failing }), isBootstrapError(/cannot fetch trust_bundle_url "https:\/\/b\/ca.pem": unexpected status code 503/));
    const body = async () => new Uint8Array(Buffer.from('<html>'));
    await assert.rejects(loadBootstrapBundle(TD, url, { fetchTrustBundle: body }), isBootstrapError(/trust_bundle_url "https:\/\/b\/ca.pem" (is not a valid pem bundle|holds no certificate)/));
    await assert.rejects(loadBootstrapBundle(TD, { ...url, format: 'spiffe' }, { fetchTrustBundle: body }), isBootstrapError(/is not a valid spiffe bundle \(trust_bundle_format\)/));
  });
});

describe('spiffeBundleFromServer', () => {
  it('converts X.509 and JWT authorities', () => {
    const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const bundle = spiffeBundleFromServer(TD, create(types.BundleSchema, {
      trustDomain: TD.name,
      x509Authorities: [{ asn1: new Uint8Array(ca.der) }],
      jwtAuthorities: [{ keyId: 'k1', publicKey: new Uint8Array(jwtKey.export({ format: 'der', type: 'spki' })) }],
      refreshHint: 60n,
      sequenceNumber: 7n,
    }));
    assert.ok(bundle.hasX509Authority(ca.cert));
    assert.ok(bundle.findJwtAuthority('k1')?.equals(jwtKey));
    assert.equal(bundle.refreshHint, 60);
    assert.equal(bundle.sequenceNumber, 7n);
  });

  it('fails closed on a foreign, empty or broken bundle', () => {
    const bad = (init: Parameters<typeof create<typeof types.BundleSchema>>[1], pattern: RegExp) =>
      assert.throws(() => spiffeBundleFromServer(TD, create(types.BundleSchema, init)), (err: unknown) => err instanceof AgentError && err.code === 'ERR_AGENT_BAD_SERVER_RESPONSE' && pattern.test(err.message));
    bad({ trustDomain: 'other.org', x509Authorities: [{ asn1: new Uint8Array(ca.der) }] }, /not "example.org"/);
    bad({ trustDomain: TD.name }, /no X.509 authority/);
    bad({ trustDomain: TD.name, x509Authorities: [{ asn1: new Uint8Array([1, 2]) }] }, /authority 0 is not a DER certificate/);
    bad({ trustDomain: TD.name, x509Authorities: [{ asn1: new Uint8Array(ca.der) }], jwtAuthorities: [{ keyId: 'k', publicKey: new Uint8Array([1]) }] }, /JWT authority "k"/);
  });
});
