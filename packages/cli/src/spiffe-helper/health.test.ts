import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '@tspire/common';
import { parseHelperConfig } from './config.js';
import { FakeClient, FIXTURE_NOW, createPki, fakeProcesses, memoryWriter, x509Context } from './fake-client.test-helper.js';
import { startHealthServer } from './health.js';
import { SpiffeHelper } from './helper.js';
import { ProcessNotifier } from './process-notifier.js';

test('readiness turns 200 once the files are written; liveness reports failures', async () => {
  const { config } = parseHelperConfig(
    'agent_address = "/a.sock"\nsvid_file_name = "s"\nsvid_key_file_name = "k"\nsvid_bundle_file_name = "b"\nhealth_checks { listener_enabled = true\nbind_port = 0\nreadiness_path = "/ready-now" }\n',
    { env: {} },
  );
  assert.equal(config.healthChecks.listenerEnabled, true);
  const client = new FakeClient();
  const writer = memoryWriter();
  const helper = new SpiffeHelper(config, { client, clock: new FakeClock(FIXTURE_NOW), writeFile: writer.writeFile, notifier: new ProcessNotifier(config, fakeProcesses().deps) });
  const stop = new AbortController();
  const running = helper.runDaemon(stop.signal);
  const health = await startHealthServer(config.healthChecks, helper, '127.0.0.1');
  try {
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${health.port}${path}`);
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
    };
    const before = await get('/ready-now');
    assert.equal(before.status, 500);
    assert.equal(before.type, 'application/json');
    assert.deepEqual(before.body, { ready: false, outputs: { x509_svid: { written: false } } });
    client.failX509(new Error('connection refused'));
    assert.deepEqual((await get('/live')).body, { live: false, outputs: { x509_svid: { written: false, last_error: 'connection refused' } } });
    client.pushX509(await x509Context(await createPki(), [{ id: 'spiffe://example.org/db' }]));
    for (let i = 0; i < 1000 && !helper.ready; i++) await new Promise((r) => setImmediate(r));
    assert.equal((await get('/ready-now')).status, 200);
    assert.equal((await get('/live')).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${health.port}/ready`)).status, 404);
  } finally {
    await health.close();
    stop.abort();
    await running;
  }
});
