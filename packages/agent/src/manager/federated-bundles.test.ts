import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, beforeEach, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { FakeClock, createCapturingLogger, type CapturingLogger } from '@tspire/common';
import { types } from '@tspire/proto';
import { createCa, FIXTURE_NOW, type Issued } from '@tspire/spiffe/testing';
import type { ServerClient } from '../client/server-client.js';
import { AgentError } from '../errors.js';
import { FederatedBundleSync } from './federated-bundles.js';
import { createFakeServer, fakeEntry, TD, type FakeServer } from './fake-server-client.test-helper.js';
import { cachedEntryFrom, type CachedEntry } from './identity-cache.js';

function entry(id: string, federatesWith: string[]): CachedEntry {
  return cachedEntryFrom(fakeEntry(id, `/${id}`, ['uid:1000'], 1n, false, federatesWith))!;
}

describe('FederatedBundleSync', () => {
  let fake: FakeServer;
  let client: ServerClient;
  let other: Issued;
  let third: Issued;
  let logger: CapturingLogger;
  let sync: FederatedBundleSync;

  before(async () => {
    other = await createCa({ uris: ['spiffe://other.org'], subject: 'CN=other.org CA' });
    third = await createCa({ uris: ['spiffe://third.org'], subject: 'CN=third.org CA' });
  });

  beforeEach(async () => {
    fake = await createFakeServer(new FakeClock(FIXTURE_NOW));
    // The fake checks that an agent SVID is presented; any value will do here.
    client = fake.connect({ trustBundle: fake.bundle(), svid: () => ({ certChainDer: [], privateKey: other.keys.privateKey }) });
    logger = createCapturingLogger();
    sync = new FederatedBundleSync({ trustDomain: TD, logger });
  });

  it('fetches the bundle of each trust domain the entries federate with, once, never the own', async () => {
    fake.federatedBundles.set('other.org', [other.der]);
    fake.federatedBundles.set('third.org', [third.der]);
    fake.federatedBundles.set('unused.org', [third.der]);
    const bundles = await sync.fetch(client, [entry('a', ['other.org', TD.name]), entry('b', ['third.org', 'other.org']), entry('c', [])]);
    assert.deepEqual(bundles.map((b) => b.trustDomain.name), ['other.org', 'third.org']);
    assert.ok(bundles[0]!.hasX509Authority(other.cert));
    assert.ok(bundles[1]!.hasX509Authority(third.cert));
    assert.equal(fake.count('getFederatedBundle'), 2);
    assert.deepEqual(await sync.fetch(client, [entry('c', [])]), []);
    assert.equal(fake.count('getFederatedBundle'), 2);
  });

  it('skips a bundle the server does not have, logging once per change', async () => {
    fake.federatedBundles.set('third.org', [third.der]);
    const entries = [entry('a', ['other.org', 'third.org'])];
    for (let i = 0; i < 3; i++) assert.deepEqual((await sync.fetch(client, entries)).map((b) => b.trustDomain.name), ['third.org']);
    assert.equal(logger.find('Federated bundle not found').length, 1);
    assert.equal(logger.find('Federated bundle not found')[0]!.fields['federated_bundle'], 'other.org');

    fake.federatedBundles.set('other.org', [other.der]);
    assert.equal((await sync.fetch(client, entries)).length, 2);
    await sync.fetch(client, entries);
    assert.equal(logger.find('Federated bundle found').length, 1);

    fake.federatedBundles.delete('other.org');
    await sync.fetch(client, entries);
    assert.equal(logger.find('Federated bundle not found').length, 2);
    // No longer wanted, then missing again: a new state change, logged again.
    await sync.fetch(client, []);
    await sync.fetch(client, entries);
    assert.equal(logger.find('Federated bundle not found').length, 3);
  });

  it('fails the cycle on any other error, and on a bundle for another trust domain', async () => {
    fake.federatedFailures.add('other.org');
    await assert.rejects(sync.fetch(client, [entry('a', ['other.org'])]), (err: unknown) => err instanceof ConnectError && err.code === Code.Internal);
    const lying: ServerClient = {
      ...client,
      getFederatedBundle: async () => create(types.BundleSchema, { trustDomain: 'third.org', x509Authorities: [{ asn1: new Uint8Array(third.der) }] }),
    };
    await assert.rejects(
      sync.fetch(lying, [entry('a', ['other.org'])]),
      (err: unknown) => err instanceof AgentError && err.code === 'ERR_AGENT_BAD_SERVER_RESPONSE' && /GetFederatedBundle: the bundle is for trust domain "third.org", not "other.org"/.test(err.message),
    );
  });

  it('accepts a federated bundle holding JWT authorities only', async () => {
    const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const jwtOnly: ServerClient = {
      ...client,
      getFederatedBundle: async (name) => create(types.BundleSchema, { trustDomain: name, jwtAuthorities: [{ keyId: 'k1', publicKey: new Uint8Array(jwtKey.export({ format: 'der', type: 'spki' })) }] }),
    };
    const [bundle] = await sync.fetch(jwtOnly, [entry('a', ['other.org'])]);
    assert.ok(bundle?.findJwtAuthority('k1')?.equals(jwtKey));
    assert.equal(bundle?.x509Authorities().length, 0);
  });
});
