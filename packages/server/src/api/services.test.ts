import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { healthv1 } from '@tspire/proto';
import { SpiffeError } from '@tspire/spiffe';
import { DatastoreError } from '../datastore/errors.js';
import { parseExpiresBefore } from './convert/agent.js';
import { dnsNameProblem } from './convert/dns-name.js';
import { ApiError, toConnectError, withContext } from './errors.js';
import { rejectsWith } from './testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, capturingLogger, withApi } from './testing/fixture.test-helper.js';

describe('Debug, Health, TrustDomain', () => {
  it('Debug.GetInfo reports uptime from the clock and counts', () => withApi(async (f) => {
    await f.ds.createBundle({ trustDomain: 'spiffe://fed.org', x509Authorities: [{ der: f.ca.caCertDer, tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n });
    await f.ds.createEntry({ spiffeId: `${TD_ID}/a`, parentId: `${TD_ID}/p`, selectors: [{ type: 'a', value: 'b' }] });
    f.clock.advance(42);
    const info = await f.debug.getInfo({});
    assert.deepEqual([info.uptime, info.entriesCount, info.agentsCount, info.federatedBundlesCount], [42, 1, 0, 1]);
  }));

  it('Health.Check: SERVING iff the own bundle is fetchable; per-service refused', async () => {
    await withApi(async (f) => {
      assert.equal((await f.health.check({})).status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
      await rejectsWith(f.health.check({ service: 'spire.api.server.entry.v1.Entry' }), Code.InvalidArgument, /^per-service health is not supported$/);
      const listed = await f.health.list({});
      assert.equal(listed.statuses['']?.status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
      const watched = [];
      for await (const res of f.health.watch({})) watched.push(res.status);
      assert.deepEqual(watched, [healthv1.HealthCheckResponse_ServingStatus.SERVING]);
    });
    await withApi(async (f) => {
      assert.equal((await f.health.check({})).status, healthv1.HealthCheckResponse_ServingStatus.NOT_SERVING);
    }, { ownBundle: false });
  });

  it('TrustDomain RPCs answer UNIMPLEMENTED', () => withApi(async (f) => {
    await rejectsWith(f.trustDomain.listFederationRelationships({}), Code.Unimplemented, /ListFederationRelationships is not implemented/);
  }));

  it('callers without a known identity get only public RPCs', () => withApi(async (f) => {
    await rejectsWith(f.entry.countEntries({}), Code.PermissionDenied, /^authorization denied for method \/spire.api.server.entry.v1.Entry\/CountEntries$/);
    await rejectsWith(f.debug.getInfo({}), Code.PermissionDenied, /authorization denied/);
    assert.equal((await f.bundle.getBundle({})).trustDomain, 'example.org', 'GetBundle is open to anyone');
  }, { caller: { kind: 'unknown' } }));
});

describe('error boundary', () => {
  it('maps typed errors, conceals NotFound causes and internal details', () => {
    const logger = capturingLogger();
    const spiffe = new SpiffeError('ERR_ID_EMPTY', 'SPIFFE ID cannot be empty: ""');
    assert.deepEqual(pick(toConnectError(spiffe, logger)), [Code.InvalidArgument, 'SPIFFE ID cannot be empty: ""']);
    assert.deepEqual(pick(toConnectError(new ApiError('ERR_API_INVALID_ARGUMENT', 'failed to convert entry', { cause: spiffe }), logger)),
      [Code.InvalidArgument, 'failed to convert entry: SPIFFE ID cannot be empty: ""']);
    assert.deepEqual(pick(toConnectError(withContext('failed to update entry', new DatastoreError('ERR_ENTRY_NOT_FOUND', 'entry not found in table x')), logger)),
      [Code.NotFound, 'failed to update entry']);
    assert.deepEqual(pick(toConnectError(withContext('failed to list', new DatastoreError('ERR_DATASTORE_FAILED_PRECONDITION', 'busy')), logger)),
      [Code.FailedPrecondition, 'failed to list: busy']);
    assert.deepEqual(pick(toConnectError(withContext('failed to list', new Error('SQLITE_CORRUPT at page 7')), logger)), [Code.Internal, 'failed to list']);
    assert.deepEqual(pick(toConnectError(new TypeError('x is undefined'), logger)), [Code.Internal, 'internal error']);
    assert.deepEqual(pick(toConnectError(new DatastoreError('ERR_DATASTORE_NOT_A_DATABASE', '/secret/path'), logger)), [Code.Internal, 'internal error']);
    assert.ok(logger.lines.some((l) => String(l.fields['error']).includes('SQLITE_CORRUPT')));
    assert.ok(logger.lines.some((l) => String(l.fields['error']).includes('x is undefined')));
  });
});

describe('conversions', () => {
  it('parses by_expires_before in Go layout "2006-01-02 15:04:05 -0700 -07"', () => {
    assert.equal(parseExpiresBefore('2023-11-14 22:13:20 +0000 +00'), START_SECONDS);
    assert.equal(parseExpiresBefore('2023-11-14 15:13:20 -0700 -07'), START_SECONDS);
    assert.equal(parseExpiresBefore('2023-11-15 03:43:20 +0530 IST'), START_SECONDS);
    for (const bad of ['', '2023-11-14', '2023-02-30 00:00:00 +0000 +00', '2023-11-14 25:00:00 +0000 +00', '2023-11-14T22:13:20Z']) {
      assert.throws(() => parseExpiresBefore(bad), /malformed by_expires_before/, bad);
    }
  });

  it('validates DNS names', () => {
    for (const ok of ['a', 'web.example.org', '*.example.org', 'x-1.y']) assert.equal(dnsNameProblem(ok), undefined, ok);
    for (const bad of ['', '-a.b', 'a-.b', 'a..b', 'a_b', '*', 'a.*.b', `${'a'.repeat(64)}.b`, 'ä.b']) assert.notEqual(dnsNameProblem(bad), undefined, bad);
  });
});

function pick(err: ConnectError): [Code, string] {
  return [err.code, err.rawMessage];
}
