import { afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { FakeClock, LinearBackoff } from '@tspire/common';
import { JwtSvid, TrustDomain, isSpiffeError } from '@tspire/spiffe';
import { FIXTURE_NOW } from '@tspire/spiffe/testing';
import { createWorkloadApiClient } from '../client/client.js';
import { FakeWorkloadApi, fakeTrustDomain, jwksBytes, jwtToken, svidIds, x509SvidMessage, type FakeTrustDomain } from '../client/fake-workload-api.test-helper.js';
import type { X509Context } from '../client/types.js';
import { isWorkloadError, type WorkloadErrorCode } from '../errors.js';
import { BundleSource } from './bundle-source.js';
import { JwtSource } from './jwt-source.js';
import { X509Source } from './x509-source.js';

let own: FakeTrustDomain;
let other: FakeTrustDomain;
before(async () => {
  [own, other] = await Promise.all([fakeTrustDomain('example.org'), fakeTrustDomain('other.org')]);
});

const isCode = (code: WorkloadErrorCode, message?: RegExp) => (err: unknown) => {
  assert.ok(isWorkloadError(err, code), `expected ${code}, got ${String(err)}`);
  if (message) assert.match(err.message, message);
  return true;
};

/** Lets I/O and promise continuations run until `condition` holds (no time passes on the fake clock). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition never held');
}

/** Resolves with the next value `subscribe` delivers. */
function nextValue<T>(subscribe: (cb: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const stop = subscribe((value) => {
      stop();
      resolve(value);
    });
  });
}

let api: FakeWorkloadApi;
let clock: FakeClock;
const clientOptions = () => ({ address: api.address, backoff: () => new LinearBackoff({ stepMs: 1000, maxMs: 30_000 }) });

beforeEach(async () => {
  api = await FakeWorkloadApi.start();
  clock = new FakeClock(FIXTURE_NOW);
});
afterEach(() => api.dispose());

describe('X509Source', () => {
  it('resolves with the first context: default SVID, own and federated bundles', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/api'), await x509SvidMessage(own, '/db')], federatedBundles: { 'spiffe://other.org': other.ca.der } });
    const source = await X509Source.create({ clientOptions: clientOptions(), clock });
    try {
      assert.equal(source.getX509Svid().id.toString(), 'spiffe://example.org/api');
      assert.ok(source.getX509BundleForTrustDomain(own.td).hasX509Authority(own.ca.cert));
      assert.ok(source.getX509BundleForTrustDomain(other.td).hasX509Authority(other.ca.cert));
      assert.throws(() => source.getX509BundleForTrustDomain(TrustDomain.parse('nowhere.org')), (err) => isSpiffeError(err, 'ERR_BUNDLE_NOT_FOUND'));
      assert.deepEqual(svidIds(source.getX509Context().svids), ['spiffe://example.org/api', 'spiffe://example.org/db']);
    } finally {
      await source.close();
    }
  });

  it('follows rotation and tells listeners; an unsubscribed listener hears nothing', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/v1')] });
    const source = await X509Source.create({ clientOptions: clientOptions(), clock });
    try {
      const heard: string[] = [];
      const stop = source.onUpdate(() => heard.push('stopped listener'));
      stop();
      const rotated = nextValue<X509Context>((cb) => source.onUpdate(cb));
      const first = source.getX509Svid();
      api.set('x509', { svids: [await x509SvidMessage(own, '/v1')] });
      const context = await rotated;
      assert.notEqual(source.getX509Svid(), first);
      assert.equal(source.getX509Svid(), context.svids[0]);
      assert.notEqual(source.getX509Svid().leaf.serialNumber, first.leaf.serialNumber);
      assert.deepEqual(heard, []);
    } finally {
      await source.close();
    }
  });

  it('serves the picker’s choice, and fails closed when the picker accepts none', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/a', 'external'), await x509SvidMessage(own, '/b', 'internal')] });
    const source = await X509Source.create({ clientOptions: clientOptions(), clock, picker: (svids) => svids.find((s) => s.hint === 'internal') });
    try {
      assert.equal(source.getX509Svid().id.toString(), 'spiffe://example.org/b');
      const updated = nextValue((cb) => source.onUpdate(cb));
      api.set('x509', { svids: [await x509SvidMessage(own, '/a', 'external')] });
      await updated;
      assert.throws(() => source.getX509Svid(), isCode('ERR_WORKLOAD_SVID_NOT_FOUND'));
    } finally {
      await source.close();
    }
  });

  it('keeps serving the last good SVID while the agent is down, then resumes', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/kept')] });
    const source = await X509Source.create({ clientOptions: clientOptions(), clock });
    try {
      const kept = source.getX509Svid();
      const failed = nextValue<Error>((cb) => source.onError(cb));
      await api.stop();
      assert.ok(isWorkloadError(await failed, 'ERR_WORKLOAD_API_UNAVAILABLE'));
      assert.equal(source.getX509Svid(), kept);
      api.set('x509', { svids: [await x509SvidMessage(own, '/new')] });
      await api.listen();
      const resumed = nextValue<X509Context>((cb) => source.onUpdate(cb));
      let done = false;
      void resumed.then(() => (done = true));
      for (let i = 0; i < 5 && !done; i++) {
        await clock.advanceAsync(30_000);
        await until(() => done || clock.pendingTimers() > 0);
      }
      await resumed;
      assert.equal(source.getX509Svid().id.toString(), 'spiffe://example.org/new');
    } finally {
      await source.close();
    }
  });

  it('rejects create() after timeoutMs naming the last error, and closes its client', async () => {
    const creating = X509Source.create({ clientOptions: clientOptions(), clock, timeoutMs: 5000 });
    await until(() => clock.pendingTimers() >= 2); // the timeout and the first retry wait
    const rejected = assert.rejects(creating, isCode('ERR_WORKLOAD_SOURCE_TIMEOUT', /within 5000 ms \(last error: FetchX509SVID failed \(PermissionDenied\): no identity issued\)/));
    await clock.advanceAsync(5000);
    await rejected;
    const calls = api.calls.length;
    await clock.advanceAsync(60_000);
    assert.equal(api.calls.length, calls, 'no retries after the failed create');
    assert.equal(clock.pendingTimers(), 0);
  });

  it('rejects create() at once when the agent answers INVALID_ARGUMENT', async () => {
    api.set('x509', new ConnectError('security header missing from request', Code.InvalidArgument));
    await assert.rejects(X509Source.create({ clientOptions: clientOptions(), clock }), isCode('ERR_WORKLOAD_API_INVALID_ARGUMENT'));
  });

  it('close() ends the watch; getters throw; a given client is left open', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/api')] });
    api.set('x509Bundles', { bundles: { 'example.org': own.ca.der } });
    const client = createWorkloadApiClient({ address: api.address, clock });
    const source = await X509Source.create({ client, clock });
    await api.waitForStreams(1);
    await source.close();
    await until(() => api.openStreams === 0);
    assert.throws(() => source.getX509Svid(), isCode('ERR_WORKLOAD_CLOSED'));
    assert.throws(() => source.getX509BundleForTrustDomain(own.td), isCode('ERR_WORKLOAD_CLOSED'));
    assert.equal((await client.fetchX509Bundles()).size, 1, 'the caller’s client still works');
    client.close();
  });
});

describe('JwtSource', () => {
  let fetches: number;
  beforeEach(() => {
    fetches = 0;
    api.set('jwtBundles', { bundles: { 'spiffe://example.org': jwksBytes(own) } });
    api.jwtSvid = (req) => {
      fetches++;
      const path = req.spiffeId === '' ? '/client' : new URL(req.spiffeId).pathname;
      return { svids: [{ spiffeId: `spiffe://example.org${path}`, svid: jwtToken(own, path, req.audience, clock.now(), 300) }] };
    };
  });

  it('resolves with JWT bundles and follows their updates', async () => {
    const source = await JwtSource.create({ clientOptions: clientOptions(), clock });
    try {
      assert.ok(source.getJwtBundleForTrustDomain(own.td).hasJwtAuthority('example.org-k1'));
      assert.throws(() => source.getJwtBundleForTrustDomain(other.td), (err) => isSpiffeError(err, 'ERR_BUNDLE_NOT_FOUND'));
      const updated = nextValue((cb) => source.onUpdate(cb));
      api.set('jwtBundles', { bundles: { 'spiffe://example.org': jwksBytes(own), 'spiffe://other.org': jwksBytes(other) } });
      await updated;
      assert.ok(source.getJwtBundleForTrustDomain(other.td).hasJwtAuthority('other.org-k1'));
    } finally {
      await source.close();
    }
  });

  it('caches JWT-SVIDs per audience set and SPIFFE ID until half their lifetime is gone', async () => {
    const source = await JwtSource.create({ clientOptions: clientOptions(), clock });
    try {
      const first = await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b'] });
      assert.equal(await source.fetchJwtSvid({ audience: 'b', extraAudiences: ['a', 'a'] }), first, 'same audience set');
      assert.equal(fetches, 1);
      const other = await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b'], spiffeId: 'spiffe://example.org/other' });
      assert.equal(other.id.toString(), 'spiffe://example.org/other');
      assert.equal(fetches, 2);
      await clock.advanceAsync(149_000);
      assert.equal(await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b'] }), first, 'more than half the 300 s left');
      await clock.advanceAsync(2_000);
      const renewed = await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b'] });
      assert.notEqual(renewed, first);
      assert.equal(fetches, 3);
    } finally {
      await source.close();
    }
  });

  it('shares one request among concurrent callers; failures are not cached', async () => {
    const source = await JwtSource.create({ clientOptions: clientOptions(), clock });
    try {
      const [x, y] = await Promise.all([source.fetchJwtSvid({ audience: 'a' }), source.fetchJwtSvid({ audience: 'a' })]);
      assert.equal(x, y);
      assert.equal(fetches, 1);
      api.jwtSvid = () => {
        throw new ConnectError('no identity issued', Code.PermissionDenied);
      };
      await assert.rejects(source.fetchJwtSvid({ audience: 'z' }), isCode('ERR_WORKLOAD_API_PERMISSION_DENIED'));
      await assert.rejects(source.fetchJwtSvid({ audience: 'z' }), isCode('ERR_WORKLOAD_API_PERMISSION_DENIED'));
      assert.equal(api.jwtRequests.length, 3);
      await assert.rejects(source.fetchJwtSvid({ audience: '' }), isCode('ERR_WORKLOAD_BAD_REQUEST', /audience is required/));
    } finally {
      await source.close();
    }
    await assert.rejects(source.fetchJwtSvid({ audience: 'a' }), isCode('ERR_WORKLOAD_CLOSED'));
  });

  it('is a JwtBundleSource for JwtSvid.parseAndValidate', async () => {
    const source = await JwtSource.create({ clientOptions: clientOptions(), clock });
    try {
      const token = jwtToken(own, '/client', ['spiffe://example.org/api'], clock.now());
      const svid = await JwtSvid.parseAndValidate(token, source, ['spiffe://example.org/api'], { now: clock.now() });
      assert.equal(svid.id.toString(), 'spiffe://example.org/client');
      const foreign = jwtToken(other, '/x', ['spiffe://example.org/api'], clock.now());
      await assert.rejects(JwtSvid.parseAndValidate(foreign, source, ['spiffe://example.org/api'], { now: clock.now() }), (err) => isSpiffeError(err));
    } finally {
      await source.close();
    }
  });
});

describe('BundleSource', () => {
  it('waits for both bundle kinds, then serves and updates them', async () => {
    api.set('x509Bundles', { bundles: { 'spiffe://example.org': own.ca.der, 'spiffe://other.org': other.ca.der } });
    api.set('jwtBundles', { bundles: { 'spiffe://example.org': jwksBytes(own) } });
    const source = await BundleSource.create({ clientOptions: clientOptions(), clock });
    try {
      assert.ok(source.getX509BundleForTrustDomain(other.td).hasX509Authority(other.ca.cert));
      assert.ok(source.getJwtBundleForTrustDomain(own.td).hasJwtAuthority('example.org-k1'));
      const updated = nextValue((cb) => source.onUpdate(cb));
      api.set('x509Bundles', { bundles: { 'spiffe://example.org': own.ca.der } });
      const sets = (await updated) as { x509: { size: number } };
      assert.equal(sets.x509.size, 1);
      assert.throws(() => source.getX509BundleForTrustDomain(other.td), (err) => isSpiffeError(err, 'ERR_BUNDLE_NOT_FOUND'), 'a redacted bundle is dropped');
    } finally {
      await source.close();
    }
    assert.throws(() => source.getBundleSets(), isCode('ERR_WORKLOAD_CLOSED'));
  });

  it('times out when one kind never arrives', async () => {
    api.set('x509Bundles', { bundles: { 'spiffe://example.org': own.ca.der } });
    const creating = BundleSource.create({ clientOptions: clientOptions(), clock, timeoutMs: 1000 });
    await until(() => api.openStreams === 1 && clock.pendingTimers() >= 2);
    const rejected = assert.rejects(creating, isCode('ERR_WORKLOAD_SOURCE_TIMEOUT', /BundleSource: .*FetchJWTBundles failed/));
    await clock.advanceAsync(1000);
    await rejected;
    await until(() => api.openStreams === 0);
  });
});

