import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FakeClock, nullLogger } from '@tspire/common';
import { FakeClient, FIXTURE_NOW, createPki, fakeProcesses, x509Context } from './fake-client.test-helper.js';
import { SPIFFE_HELPER_COMPAT_VERSION, main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'tspire-helper-main-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } };
}

const conf = (extra = ''): string => `agent_address = "/run/agent.sock"
cert_dir = ${JSON.stringify(dir)}
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
${extra}`;

test('-version prints the version and exits 0', async () => {
  const o = io();
  assert.equal(await main(['-version'], { ...o, env: {}, createClient: () => assert.fail('no client') }), 0);
  assert.equal(o.out.stdout, `${SPIFFE_HELPER_COMPAT_VERSION}\n`);
});

test('an unknown flag exits 2 with Go usage', async () => {
  const o = io();
  assert.equal(await main(['-nope'], { ...o, env: {}, createClient: () => assert.fail('no client') }), 2);
  assert.match(o.out.stderr, /flag provided but not defined: -nope\nUsage of spiffe-helper:\n.*-config string/s);
});

test('-config defaults to helper.conf; a bad config exits 1 naming the file and key', async () => {
  const o = io();
  const read: string[] = [];
  const code = await main([], { ...o, env: {}, createClient: () => assert.fail('no client'), readFile: async (p) => (read.push(p), 'svid_file_name = "a"\n') });
  assert.equal(code, 1);
  assert.deepEqual(read, ['helper.conf']);
  assert.match(o.out.stderr, /"helper.conf".*svid_key_file_name.*all be set or none/);
});

test('-daemon-mode=false writes the files once into cert_dir and exits 0', async () => {
  const client = new FakeClient();
  client.pushX509(await x509Context(await createPki(), [{ id: 'spiffe://example.org/db' }]));
  const o = io();
  const addresses: string[] = [];
  const code = await main(['-config', '/etc/helper.conf', '-daemon-mode=false'], {
    ...o,
    env: {},
    readFile: async () => conf('daemon_mode = true\n'),
    createClient: (address) => (addresses.push(address), client),
    clock: new FakeClock(FIXTURE_NOW),
    logger: nullLogger,
    notifierDeps: fakeProcesses().deps,
  });
  assert.equal(code, 0, o.out.stderr);
  assert.deepEqual(addresses, ['unix:///run/agent.sock']);
  assert.match(readFileSync(join(dir, 'svid.pem'), 'utf8'), /BEGIN CERTIFICATE/);
  assert.equal(statSync(join(dir, 'svid_key.pem')).mode & 0o777, 0o600);
  assert.equal(client.closed, true);
});

test('daemon mode runs until shutdown and exits 0', async () => {
  const client = new FakeClient();
  const o = io();
  const shutdown = new AbortController();
  const done = main(['-config', 'x'], {
    ...o,
    env: {},
    readFile: async () => conf(),
    createClient: () => client,
    clock: new FakeClock(FIXTURE_NOW),
    logger: nullLogger,
    notifierDeps: fakeProcesses().deps,
    shutdown: shutdown.signal,
  });
  // Let config loading and the cert_dir check finish (event-loop turns, not time).
  for (let i = 0; i < 1000 && client.x509.watchers.size === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(client.x509.watchers.size, 1);
  shutdown.abort();
  assert.equal(await done, 0);
  assert.equal(client.closed, true);
});

test('a cert_dir that does not exist exits 1 before any fetch', async () => {
  const o = io();
  const code = await main([], {
    ...o,
    env: {},
    readFile: async () => 'agent_address = "/a.sock"\ncert_dir = "/nonexistent/dir"\njwt_bundle_file_name = "b.json"\n',
    createClient: () => assert.fail('no client before cert_dir is checked'),
    logger: nullLogger,
  });
  assert.equal(code, 1);
  assert.match(o.out.stderr, /cert_dir "\/nonexistent\/dir" does not exist/);
});
