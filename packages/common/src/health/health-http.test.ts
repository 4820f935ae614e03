import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { startHealthHttp, type HealthState } from './health-http.js';

interface Answer { status: number; type: string | undefined; body: string }

function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withHealth(check: () => Promise<HealthState>, fn: (port: number) => Promise<void>): Promise<void> {
  const server = await startHealthHttp({ bindAddress: '127.0.0.1', bindPort: 0, livePath: '/live', readyPath: '/ready', check });
  try {
    await fn(server.port);
  } finally {
    await server.close();
  }
}

describe('startHealthHttp', () => {
  it('answers live and ready from the check, with the details as JSON', async () => {
    let state: HealthState = { live: true, ready: false, details: { manager: { status: 'starting' } } };
    await withHealth(async () => state, async (port) => {
      assert.ok(port > 0);
      const live = await get(port, '/live?verbose=1');
      assert.deepEqual(live, { status: 200, type: 'application/json', body: '{"manager":{"status":"starting"}}' });
      assert.equal((await get(port, '/ready')).status, 500);
      state = { live: false, ready: true, details: {} };
      assert.equal((await get(port, '/live')).status, 500);
      assert.equal((await get(port, '/ready')).status, 200);
    });
  });

  it('answers 404 for other paths, 405 for other methods and 500 when the check fails', async () => {
    let fail = false;
    await withHealth(async () => {
      if (fail) throw new Error('boom');
      return { live: true, ready: true, details: {} };
    }, async (port) => {
      assert.equal((await get(port, '/')).status, 404);
      assert.equal((await get(port, '/live', 'POST')).status, 405);
      fail = true;
      const failed = await get(port, '/ready');
      assert.equal(failed.status, 500);
      assert.deepEqual(JSON.parse(failed.body), { error: 'health check failed' });
    });
  });
});
