// The generated GenService descriptors plug into connect-es 2: unary, server-streaming and bidi
// calls through an in-memory router transport (no sockets), one per streaming kind we rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { entryv1, healthv1, workload } from './index.js';

const transport = createRouterTransport((router) => {
  router.service(healthv1.Health, {
    check: (req) => ({
      status: req.service === ''
        ? healthv1.HealthCheckResponse_ServingStatus.SERVING
        : healthv1.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
    }),
  });
  router.service(workload.SpiffeWorkloadAPI, {
    async *fetchX509SVID() {
      for (const path of ['/a', '/b']) {
        yield { svids: [{ spiffeId: `spiffe://example.org${path}`, hint: path }] };
      }
    },
  });
  router.service(entryv1.Entry, {
    async *syncAuthorizedEntries(requests) {
      for await (const req of requests) {
        yield { entries: req.ids.map((id) => ({ id, revisionNumber: 1n })), more: req.ids.length > 1 };
      }
    },
  });
});

describe('generated services with connect-es', () => {
  it('unary: Health.Check', async () => {
    const health = createClient(healthv1.Health, transport);
    assert.equal((await health.check({ service: '' })).status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
    assert.equal(
      (await health.check({ service: 'x' })).status,
      healthv1.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
    );
  });

  it('server stream: SpiffeWorkloadAPI.FetchX509SVID', async () => {
    const client = createClient(workload.SpiffeWorkloadAPI, transport);
    const ids: string[] = [];
    for await (const res of client.fetchX509SVID({})) ids.push(res.svids[0]?.spiffeId ?? '');
    assert.deepEqual(ids, ['spiffe://example.org/a', 'spiffe://example.org/b']);
  });

  it('bidi stream: Entry.SyncAuthorizedEntries', async () => {
    const client = createClient(entryv1.Entry, transport);
    async function* requests() {
      yield { ids: ['e1', 'e2'] };
      yield { ids: ['e3'] };
    }
    const pages: Array<{ ids: string[]; more: boolean }> = [];
    for await (const res of client.syncAuthorizedEntries(requests())) {
      pages.push({ ids: res.entries.map((e) => e.id), more: res.more });
    }
    assert.deepEqual(pages, [{ ids: ['e1', 'e2'], more: true }, { ids: ['e3'], more: false }]);
  });

  it('unimplemented methods answer UNIMPLEMENTED', async () => {
    const client = createClient(workload.SpiffeWorkloadAPI, transport);
    await assert.rejects(client.fetchJWTSVID({ audience: ['a'] }), (err: unknown) => {
      assert.equal(ConnectError.from(err).code, Code.Unimplemented);
      return true;
    });
  });
});
