import { before, beforeEach, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { FakeClock, LinearBackoff } from '@tspire/common';
import { FIXTURE_NOW } from '@tspire/spiffe/testing';
import { isWorkloadError, type WorkloadErrorCode } from '../errors.js';
import { createWorkloadApiClient } from './client.js';
import { FakeWorkloadApi, fakeTrustDomain, jwksBytes, jwtKids, jwtToken, svidIds, x509SvidMessage, type FakeTrustDomain } from './fake-workload-api.test-helper.js';
import type { WorkloadApiClient, X509Context } from './types.js';

let own: FakeTrustDomain;
let other: FakeTrustDomain;
before(async () => {
  [own, other] = await Promise.all([fakeTrustDomain('example.org'), fakeTrustDomain('other.org')]);
});

/** Collects a watcher's calls; `next()` resolves with the next one not yet taken. */
function recorder<T>() {
  const events: ({ update: T } | { error: Error })[] = [];
  let wake: (() => void) | undefined;
  const push = (e: { update: T } | { error: Error }) => {
    events.push(e);
    wake?.();
  };
  let taken = 0;
  return {
    watcher: { onUpdate: (update: T) => push({ update }), onError: (error: Error) => push({ error }) },
    async next() {
      while (events.length <= taken) await new Promise<void>((resolve) => (wake = resolve));
      return events[taken++]!;
    },
  };
}

const rejectsWith = (code: WorkloadErrorCode, message?: RegExp) => (err: unknown) => {
  assert.ok(isWorkloadError(err, code), `expected ${code}, got ${String(err)}`);
  if (message) assert.match(err.message, message);
  return true;
};

describe('createWorkloadApiClient over a UNIX socket', () => {
  let api: FakeWorkloadApi;
  let clock: FakeClock;
  let client: WorkloadApiClient;

  beforeEach(async () => {
    api = await FakeWorkloadApi.start();
    clock = new FakeClock(FIXTURE_NOW);
    client = createWorkloadApiClient({ address: api.address, clock, backoff: () => new LinearBackoff({ stepMs: 1000, maxMs: 30_000 }) });
  });
  afterEach(async () => {
    client.close();
    await api.dispose();
  });

  it('fetches the X.509 context: default first, hints, own and federated bundles, header on the call', async () => {
    api.set('x509', {
      svids: [await x509SvidMessage(own, '/api', 'internal'), await x509SvidMessage(own, '/db', 'external')],
      federatedBundles: { 'spiffe://other.org': other.ca.der },
    });
    const context = await client.fetchX509Context();
    assert.deepEqual(svidIds(context.svids), ['spiffe://example.org/api', 'spiffe://example.org/db']);
    assert.deepEqual(context.svids.map((s) => s.hint), ['internal', 'external']);
    assert.equal(context.bundles.size, 2);
    assert.ok(context.bundles.getX509BundleForTrustDomain(own.td).hasX509Authority(own.ca.cert));
    assert.ok(context.bundles.getX509BundleForTrustDomain(other.td).hasX509Authority(other.ca.cert));
    assert.equal((await client.fetchX509Svid()).id.toString(), 'spiffe://example.org/api');
    assert.equal((await client.fetchX509Svids()).length, 2);
    assert.deepEqual(api.headers, ['true', 'true', 'true']);
  });

  it('keeps the first of two SVIDs sharing a hint; bare-name federated keys work; own TD is not replaced', async () => {
    api.set('x509', {
      svids: [await x509SvidMessage(own, '/a', 'same'), await x509SvidMessage(own, '/b', 'same'), await x509SvidMessage(own, '/c')],
      federatedBundles: { 'other.org': other.ca.der, 'spiffe://example.org': other.ca.der },
    });
    const context = await client.fetchX509Context();
    assert.deepEqual(svidIds(context.svids), ['spiffe://example.org/a', 'spiffe://example.org/c']);
    assert.ok(context.bundles.getX509BundleForTrustDomain(own.td).hasX509Authority(own.ca.cert));
    assert.ok(!context.bundles.getX509BundleForTrustDomain(own.td).hasX509Authority(other.ca.cert));
    assert.ok(context.bundles.has(other.td));
  });

  it('rejects malformed answers with clear errors', async () => {
    const good = await x509SvidMessage(own, '/api');
    const cases: [object, WorkloadErrorCode, RegExp][] = [
      [{ svids: [] }, 'ERR_WORKLOAD_NO_SVIDS', /no SVIDs/],
      [{ svids: [{ ...good, x509Svid: new Uint8Array([0x30, 0x03, 1, 2, 3]) }] }, 'ERR_WORKLOAD_BAD_RESPONSE', /svids\[0\] is invalid/],
      [{ svids: [{ ...good, x509SvidKey: new Uint8Array([1, 2, 3]) }] }, 'ERR_WORKLOAD_BAD_RESPONSE', /svids\[0\]/],
      [{ svids: [{ ...good, spiffeId: 'spiffe://example.org/other' }] }, 'ERR_WORKLOAD_BAD_RESPONSE', /is not the certificate's ID/],
      [{ svids: [{ ...good, bundle: new Uint8Array([9, 9]) }] }, 'ERR_WORKLOAD_BAD_RESPONSE', /svids\[0\]\.bundle/],
      [{ svids: [good], federatedBundles: { 'bad domain!': other.ca.der } }, 'ERR_WORKLOAD_BAD_RESPONSE', /federated_bundles key/],
    ];
    for (const [state, code, message] of cases) {
      api.set('x509', state as never);
      await assert.rejects(client.fetchX509Context(), rejectsWith(code, message));
    }
  });

  it('maps statuses: PERMISSION_DENIED keeps the message', async () => {
    await assert.rejects(client.fetchX509Svid(), rejectsWith('ERR_WORKLOAD_API_PERMISSION_DENIED', /no identity issued/));
    api.set('x509', new ConnectError('workload attestation failed', Code.Unavailable));
    await assert.rejects(client.fetchX509Svid(), rejectsWith('ERR_WORKLOAD_API_UNAVAILABLE', /workload attestation failed/));
    api.set('x509', new ConnectError('boom', Code.ResourceExhausted));
    await assert.rejects(client.fetchX509Svid(), rejectsWith('ERR_WORKLOAD_API_ERROR', /ResourceExhausted.*boom/));
  });

  it('watches rotation, then ends when the signal aborts', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/v1')] });
    const events = recorder<X509Context>();
    const abort = new AbortController();
    const done = client.watchX509Context(events.watcher, { signal: abort.signal });
    assert.deepEqual(svidIds((await events.next() as { update: X509Context }).update.svids), ['spiffe://example.org/v1']);
    api.set('x509', { svids: [await x509SvidMessage(own, '/v2'), await x509SvidMessage(own, '/v1')] });
    assert.deepEqual(svidIds((await events.next() as { update: X509Context }).update.svids), ['spiffe://example.org/v2', 'spiffe://example.org/v1']);
    abort.abort();
    await done;
  });

  it('reports a malformed message and keeps the stream for the next good one', async () => {
    api.set('x509', { svids: [] });
    const events = recorder<X509Context>();
    const abort = new AbortController();
    const done = client.watchX509Context(events.watcher, { signal: abort.signal });
    const first = await events.next();
    assert.ok('error' in first && isWorkloadError(first.error, 'ERR_WORKLOAD_NO_SVIDS'));
    api.set('x509', { svids: [await x509SvidMessage(own, '/ok')] });
    const second = await events.next();
    assert.ok('update' in second);
    assert.equal(api.calls.filter((c) => c === 'FetchX509SVID').length, 1, 'no reconnect for a bad message');
    abort.abort();
    await done;
  });

  it('reconnects with backoff after the server restarts and resumes with its full state', async () => {
    api.set('x509', { svids: [await x509SvidMessage(own, '/before')] });
    const events = recorder<X509Context>();
    const done = client.watchX509Context(events.watcher);
    assert.ok('update' in (await events.next()));
    await api.stop();
    const lost = await events.next();
    assert.ok('error' in lost && isWorkloadError(lost.error, 'ERR_WORKLOAD_API_UNAVAILABLE'), String('error' in lost && lost.error));
    assert.equal(clock.nextDueMs(), clock.nowMs() + 1000, 'first retry after 1 s');
    api.set('x509', { svids: [await x509SvidMessage(own, '/after')] });
    await api.listen();
    let resumed: X509Context | undefined;
    for (let attempt = 0; attempt < 5 && resumed === undefined; attempt++) {
      await clock.advanceAsync(30_000);
      const event = await events.next();
      if ('update' in event) resumed = event.update;
    }
    assert.deepEqual(svidIds(resumed!.svids), ['spiffe://example.org/after']);
    client.close();
    await done;
  });

  it('retries PERMISSION_DENIED with growing delays; INVALID_ARGUMENT ends the watch with an error', async () => {
    const events = recorder<X509Context>();
    const watching = client.watchX509Context(events.watcher);
    assert.ok('error' in (await events.next()));
    assert.equal(clock.nextDueMs(), clock.nowMs() + 1000);
    await clock.advanceAsync(1000);
    assert.ok('error' in (await events.next()));
    assert.equal(clock.nextDueMs(), clock.nowMs() + 2000, 'second retry after 2 s');
    api.set('x509', new ConnectError('security header missing from request', Code.InvalidArgument));
    await clock.advanceAsync(2000);
    await assert.rejects(watching, rejectsWith('ERR_WORKLOAD_API_INVALID_ARGUMENT', /security header/));
  });

  it('close() ends watches, cancels calls and makes later calls reject', async () => {
    api.set('x509Bundles', { bundles: { 'spiffe://example.org': own.ca.der } });
    const events = recorder<unknown>();
    const watching = client.watchX509Bundles(events.watcher);
    assert.ok('update' in (await events.next()));
    await api.waitForStreams(1);
    client.close();
    await watching;
    await assert.rejects(client.fetchX509Bundles(), rejectsWith('ERR_WORKLOAD_CLOSED'));
    await assert.rejects(client.watchJwtBundles(events.watcher), rejectsWith('ERR_WORKLOAD_CLOSED'));
  });

  it('an aborted signal rejects a call with ERR_WORKLOAD_ABORTED', async () => {
    await assert.rejects(client.fetchX509Bundles({ signal: AbortSignal.abort() }), rejectsWith('ERR_WORKLOAD_ABORTED'));
    let release!: () => void;
    api.validate = () => new Promise((resolve) => (release = () => resolve({ spiffeId: '' })));
    const abort = new AbortController();
    const pending = client.validateJwtSvid('x.y.z', 'aud', { signal: abort.signal });
    while (!api.calls.includes('ValidateJWTSVID')) await new Promise((r) => setImmediate(r));
    abort.abort();
    await assert.rejects(pending, rejectsWith('ERR_WORKLOAD_ABORTED'));
    release();
  });

  it('fetches X.509 and JWT bundles keyed by trust domain ID or bare name', async () => {
    api.set('x509Bundles', { bundles: { 'spiffe://example.org': own.ca.der, 'other.org': other.ca.der } });
    const x509 = await client.fetchX509Bundles();
    assert.deepEqual(x509.bundles().map((b) => b.trustDomain.name), ['example.org', 'other.org']);
    api.set('jwtBundles', { bundles: { 'spiffe://example.org': jwksBytes(own), 'spiffe://other.org': jwksBytes(other) } });
    const jwt = await client.fetchJwtBundles();
    assert.deepEqual(jwtKids(jwt.getJwtBundleForTrustDomain(other.td)), ['other.org-k1']);
    api.set('jwtBundles', { bundles: { 'spiffe://example.org': Buffer.from('{"keys":[{"kty":"EC"}]}') } });
    await assert.rejects(client.fetchJwtBundles(), rejectsWith('ERR_WORKLOAD_BAD_RESPONSE', /JWTBundlesResponse bundles\[example.org\]/));
  });

  it('fetches JWT-SVIDs for the audiences asked, and picks the asked SPIFFE ID', async () => {
    api.jwtSvid = (req) => ({
      svids: [
        { spiffeId: 'spiffe://example.org/a', svid: jwtToken(own, '/a', req.audience), hint: 'h' },
        { spiffeId: 'spiffe://example.org/b', svid: jwtToken(own, '/b', req.audience) },
      ],
    });
    const svid = await client.fetchJwtSvid({ audience: 'spiffe://example.org/db', extraAudiences: ['x'] });
    assert.equal(svid.id.toString(), 'spiffe://example.org/a');
    assert.equal(svid.hint, 'h');
    assert.deepEqual(svid.audience, ['spiffe://example.org/db', 'x']);
    assert.deepEqual(api.jwtRequests[0], { audience: ['spiffe://example.org/db', 'x'], spiffeId: '' });
    const b = await client.fetchJwtSvid({ audience: 'db', spiffeId: 'spiffe://example.org/b' });
    assert.equal(b.id.toString(), 'spiffe://example.org/b');
    assert.equal(api.jwtRequests[1]?.spiffeId, 'spiffe://example.org/b');
    assert.equal((await client.fetchJwtSvids({ audience: 'db' })).length, 2);
    await assert.rejects(client.fetchJwtSvid({ audience: 'db', spiffeId: 'spiffe://example.org/zz' }), rejectsWith('ERR_WORKLOAD_SVID_NOT_FOUND'));
    assert.deepEqual(api.headers, ['true', 'true', 'true', 'true']);
  });

  it('rejects a JWT request without an audience locally, and bad JWT answers', async () => {
    await assert.rejects(client.fetchJwtSvid({ audience: '' }), rejectsWith('ERR_WORKLOAD_BAD_REQUEST', /audience is required/));
    await assert.rejects(client.fetchJwtSvid({ audience: 'a', extraAudiences: [''] }), rejectsWith('ERR_WORKLOAD_BAD_REQUEST', /extraAudiences\[0\]/));
    await assert.rejects(client.fetchJwtSvid({ audience: 'a', spiffeId: 'http://x' }), rejectsWith('ERR_WORKLOAD_BAD_REQUEST', /spiffeId/));
    assert.equal(api.calls.length, 0, 'nothing reached the server');
    api.jwtSvid = () => ({ svids: [] });
    await assert.rejects(client.fetchJwtSvid({ audience: 'a' }), rejectsWith('ERR_WORKLOAD_NO_SVIDS'));
    api.jwtSvid = () => ({ svids: [{ spiffeId: 'spiffe://example.org/a', svid: jwtToken(own, '/a', ['other-audience']) }] });
    await assert.rejects(client.fetchJwtSvid({ audience: 'a' }), rejectsWith('ERR_WORKLOAD_BAD_RESPONSE', /svids\[0\] is invalid/));
    api.jwtSvid = () => ({ svids: [{ spiffeId: 'spiffe://example.org/a', svid: jwtToken(own, '/a', ['a'], new Date(FIXTURE_NOW.getTime() - 3_600_000)) }] });
    await assert.rejects(client.fetchJwtSvid({ audience: 'a' }), rejectsWith('ERR_WORKLOAD_BAD_RESPONSE'), 'expired');
    api.jwtSvid = () => ({ svids: [{ spiffeId: 'spiffe://example.org/x', svid: jwtToken(own, '/a', ['a']) }] });
    await assert.rejects(client.fetchJwtSvid({ audience: 'a' }), rejectsWith('ERR_WORKLOAD_BAD_RESPONSE', /not the token's sub/));
  });

  it("validates a token through the agent and returns it parsed; the agent's refusal maps", async () => {
    const token = jwtToken(own, '/client', ['spiffe://example.org/api']);
    api.validate = (req) => {
      if (req.audience !== 'spiffe://example.org/api') throw new ConnectError('token audience mismatch', Code.InvalidArgument);
      return { spiffeId: 'spiffe://example.org/client' };
    };
    const svid = await client.validateJwtSvid(token, 'spiffe://example.org/api');
    assert.equal(svid.id.toString(), 'spiffe://example.org/client');
    await assert.rejects(client.validateJwtSvid(token, 'spiffe://example.org/nope'), rejectsWith('ERR_WORKLOAD_API_INVALID_ARGUMENT', /audience mismatch/));
    await assert.rejects(client.validateJwtSvid('', 'a'), rejectsWith('ERR_WORKLOAD_BAD_REQUEST', /token is empty/));
    await assert.rejects(client.validateJwtSvid(token, ''), rejectsWith('ERR_WORKLOAD_BAD_REQUEST', /audience is empty/));
    api.validate = () => ({ spiffeId: 'spiffe://example.org/someone-else' });
    await assert.rejects(client.validateJwtSvid(token, 'spiffe://example.org/api'), rejectsWith('ERR_WORKLOAD_BAD_RESPONSE', /not the token's sub/));
  });

  it('a call past its timeoutMs fails with ERR_WORKLOAD_API_DEADLINE_EXCEEDED', async () => {
    api.validate = () => new Promise(() => {});
    await assert.rejects(client.validateJwtSvid('x.y.z', 'aud', { timeoutMs: 20 }), rejectsWith('ERR_WORKLOAD_API_DEADLINE_EXCEEDED'));
  });
});

describe('createWorkloadApiClient address handling', () => {
  it('uses SPIFFE_ENDPOINT_SOCKET from env, and fails without an address', async () => {
    const api = await FakeWorkloadApi.start();
    try {
      api.set('x509Bundles', { bundles: { 'spiffe://example.org': own.ca.der } });
      const client = createWorkloadApiClient({ env: { SPIFFE_ENDPOINT_SOCKET: api.address } });
      assert.equal((await client.fetchX509Bundles()).size, 1);
      client.close();
    } finally {
      await api.dispose();
    }
    assert.throws(() => createWorkloadApiClient({ env: {} }), rejectsWith('ERR_WORKLOAD_ADDRESS_MISSING'));
    assert.throws(() => createWorkloadApiClient({ address: 'tcp://localhost:1' }), rejectsWith('ERR_WORKLOAD_ADDRESS_HOST'));
  });

  it('dials tcp://127.0.0.1:port (h2c over TCP)', async () => {
    const api = await FakeWorkloadApi.start({ tcp: true });
    try {
      assert.match(api.address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      api.set('x509', { svids: [await x509SvidMessage(own, '/over-tcp')] });
      const client = createWorkloadApiClient({ address: api.address, clock: new FakeClock(FIXTURE_NOW) });
      assert.equal((await client.fetchX509Svid()).id.toString(), 'spiffe://example.org/over-tcp');
      assert.deepEqual(api.headers, ['true']);
      client.close();
    } finally {
      await api.dispose();
    }
  });

  it('an unreachable socket is UNAVAILABLE', async () => {
    const client = createWorkloadApiClient({ address: 'unix:///nonexistent-dir-tspire/api.sock' });
    await assert.rejects(client.fetchX509Svid(), rejectsWith('ERR_WORKLOAD_API_UNAVAILABLE'));
    client.close();
  });
});

