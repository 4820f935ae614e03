import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrustDomain, X509Bundle } from '@tspire/spiffe';
import { FIXTURE_NOW, createCa, createIntermediate, createLeaf } from '@tspire/spiffe/testing';
import { createPeerVerifier, decimalSerial, type PeerVerification } from './peer-verifier.js';

const HOUR_MS = 3_600_000;

async function setup() {
  const ca = await createCa();
  const fedCa = await createCa({ uris: ['spiffe://fed.org'], subject: 'CN=fed' });
  const bundles = new Map([
    ['example.org', new X509Bundle(TrustDomain.parse('example.org'), [ca.cert])],
    ['fed.org', new X509Bundle(TrustDomain.parse('fed.org'), [fedCa.cert])],
  ]);
  let nowMs = FIXTURE_NOW.getTime();
  const verify = createPeerVerifier({
    trustDomain: TrustDomain.parse('example.org'), adminIds: ['spiffe://fed.org/admin'],
    trustBundles: (name) => bundles.get(name), clock: { nowMs: () => nowMs },
  });
  return { ca, fedCa, verify, setNow: (ms: number) => { nowMs = ms; } };
}

function refused(result: PeerVerification, reason: RegExp): void {
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.reason, reason);
}

describe('createPeerVerifier', () => {
  it('accepts an SVID of our trust domain, with its intermediates in any order, and reports its facts', async () => {
    const { ca, verify } = await setup();
    const first = await createIntermediate(ca, { subject: 'CN=first' });
    const second = await createIntermediate(first, { subject: 'CN=second' });
    const leaf = await createLeaf(second, { uris: ['spiffe://example.org/spire/agent/x'] });
    const result = verify([leaf.der, first.der, second.der]);
    assert.deepEqual(result, {
      ok: true,
      peer: { spiffeId: 'spiffe://example.org/spire/agent/x', serialNumber: BigInt(`0x${leaf.cert.serialNumber}`).toString(10), notAfter: (FIXTURE_NOW.getTime() + HOUR_MS) / 1000 },
    });
    refused(verify([leaf.der, first.der]), /issued by "CN=second", which is neither among the given intermediates nor in the X.509 bundle/);
  });

  it('accepts a federated ID only when it is an admin ID, and only against its own bundle', async () => {
    const { ca, fedCa, verify } = await setup();
    assert.equal(verify([(await createLeaf(fedCa, { uris: ['spiffe://fed.org/admin'] })).der]).ok, true);
    refused(verify([(await createLeaf(fedCa, { uris: ['spiffe://fed.org/other'] })).der]), /not a member of trust domain "example.org" nor an admin ID/);
    // an admin ID signed by OUR CA is not trusted: fed.org IDs chain to fed.org's roots only
    refused(verify([(await createLeaf(ca, { uris: ['spiffe://fed.org/admin'] })).der]), /neither among the given intermediates nor in the X.509 bundle of trust domain "fed.org"/);
    refused(verify([(await createLeaf(ca, { uris: ['spiffe://unknown.org/admin'] })).der]), /no X.509 bundle for trust domain "unknown.org"/);
  });

  it('refuses expired, not-yet-valid, non-SVID and unparseable certificates', async () => {
    const { ca, verify, setNow } = await setup();
    const leaf = await createLeaf(ca, { uris: ['spiffe://example.org/a'] });
    setNow(FIXTURE_NOW.getTime() + 2 * HOUR_MS);
    refused(verify([leaf.der]), /expired at 2030-06-01T13:00:00.000Z/);
    setNow(FIXTURE_NOW.getTime() - 2 * HOUR_MS);
    refused(verify([leaf.der]), /is not valid before 2030-06-01T11:00:00.000Z/);
    setNow(FIXTURE_NOW.getTime());
    refused(verify([(await createLeaf(ca, { uris: [] })).der]), /has no URI SAN/);
    refused(verify([(await createLeaf(ca, { uris: ['spiffe://example.org/a'], ca: true, keyUsage: 'omit' })).der]), /has the CA flag set/);
    refused(verify([new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])]), /unparseable client certificate/);
  });

  it('renders serial numbers in decimal', async () => {
    const { ca } = await setup();
    const leaf = await createLeaf(ca);
    assert.match(decimalSerial(leaf.cert), /^[1-9]\d*$/);
    assert.equal(BigInt(decimalSerial(leaf.cert)).toString(16), leaf.cert.serialNumber.toLowerCase().replace(/^0+/, ''));
  });
});
