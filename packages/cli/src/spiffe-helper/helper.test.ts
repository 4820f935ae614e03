import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { FakeClock } from '@tspire/common';
import { X509Svid } from '@tspire/spiffe';
import { parseHelperConfig } from './config.js';
import { FakeClient, FIXTURE_NOW, createPki, fakeProcesses, jwtBundles, jwtSvid, memoryWriter, x509Context } from './fake-client.test-helper.js';
import { SpiffeHelper } from './helper.js';
import { ProcessNotifier } from './process-notifier.js';

const X509_CONF = `cert_dir = "/out"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "bundle.pem"
agent_address = "/agent.sock"
`;

function setup(text: string, options: { daemonMode?: boolean; pidFile?: string } = {}) {
  const { config } = parseHelperConfig(text, { env: {}, ...(options.daemonMode === undefined ? {} : { daemonMode: options.daemonMode }) });
  const client = new FakeClient();
  const clock = new FakeClock(FIXTURE_NOW);
  const writer = memoryWriter();
  const processes = fakeProcesses(options.pidFile);
  const notifier = new ProcessNotifier(config, processes.deps);
  const helper = new SpiffeHelper(config, { client, clock, writeFile: writer.writeFile, notifier });
  return { config, client, clock, writer, processes, helper };
}

/** Lets queued promise continuations (writes, notifications) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

test('daemon: the first X.509 update writes the three files with their modes, then launches cmd', async () => {
  const pki = await createPki();
  const t = setup(`${X509_CONF}cmd = "/bin/app"\ncmd_args = "--tls \\"a b\\""\nrenew_signal = "SIGHUP"\n`);
  const stop = new AbortController();
  const running = t.helper.runDaemon(stop.signal);
  assert.equal(t.processes.spawned.length, 0, 'nothing launched before the files exist');

  const context = await x509Context(pki, [{ id: 'spiffe://example.org/db' }]);
  t.client.pushX509(context);
  await settle();
  const svidFile = t.writer.files.get('/out/svid.pem')!;
  const keyFile = t.writer.files.get('/out/svid_key.pem')!;
  const bundleFile = t.writer.files.get('/out/bundle.pem')!;
  assert.deepEqual([svidFile.mode, keyFile.mode, bundleFile.mode], [0o644, 0o600, 0o644]);
  assert.match(keyFile.data, /^-----BEGIN PRIVATE KEY-----\n/);
  // The written pair parses back as the same SVID (leaf + intermediate, matching key).
  const reparsed = X509Svid.parsePem(svidFile.data, keyFile.data);
  assert.equal(reparsed.id.toString(), 'spiffe://example.org/db');
  assert.equal(reparsed.certificates.length, 2);
  assert.equal(new X509Certificate(bundleFile.data).subject, 'CN=root');
  assert.ok(t.helper.ready);
  assert.deepEqual(t.processes.spawned.map((s) => [s.cmd, s.args]), [['/bin/app', ['--tls', 'a b']]]);

  // A rotation signals the running process; once it has exited, the next one relaunches it.
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  await settle();
  assert.deepEqual(t.processes.spawned[0]!.child.signals, ['SIGHUP']);
  t.processes.spawned[0]!.child.exited = true;
  t.client.pushX509(context);
  await settle();
  assert.equal(t.processes.spawned.length, 2);
  stop.abort();
  await running;
});

test('daemon: renew_signal goes to the PID on the first line of pid_file_name after each write', async () => {
  const pki = await createPki();
  const t = setup(`${X509_CONF}pid_file_name = "/data/postmaster.pid"\nrenew_signal = "SIGHUP"\n`, { pidFile: '4242\n/data\n1700000000\n' });
  const stop = new AbortController();
  const running = t.helper.runDaemon(stop.signal);
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  await settle();
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  await settle();
  assert.deepEqual(t.processes.killed, [
    { pid: 4242, signal: 'SIGHUP' },
    { pid: 4242, signal: 'SIGHUP' },
  ]);
  stop.abort();
  await running;
});

test('daemon: a failed write is reported, leaves the helper not live, and notifies nobody', async () => {
  const pki = await createPki();
  const t = setup(`${X509_CONF}cmd = "/bin/app"\n`);
  const stop = new AbortController();
  const running = t.helper.runDaemon(stop.signal);
  t.writer.failNext(new Error('EACCES: permission denied'));
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  await settle();
  assert.equal(t.helper.live, false);
  assert.equal(t.helper.ready, false);
  assert.match(t.helper.outputs().get('x509_svid')!.lastError ?? '', /EACCES/);
  assert.equal(t.processes.spawned.length, 0);
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  await settle();
  assert.equal(t.helper.live, true);
  assert.equal(t.processes.spawned.length, 1);
  stop.abort();
  await running;
});

test('daemon: cmd starts only once every output (X.509, JWT bundle, JWT-SVID) has been written', async () => {
  const pki = await createPki();
  const t = setup(`${X509_CONF}cmd = "/bin/app"\njwt_bundle_file_name = "jwt_bundle.json"\njwt_svids = [{ jwt_audience = "db", jwt_svid_file_name = "db.jwt" }]\n`);
  t.client.jwtSvidFor = () => {
    throw new Error('agent not ready');
  };
  const stop = new AbortController();
  const running = t.helper.runDaemon(stop.signal);
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  t.client.pushJwtBundles(jwtBundles());
  await settle();
  assert.equal(t.processes.spawned.length, 0);
  assert.equal(t.helper.ready, false);
  // The JWT-SVID fetch retries after 1 s and then succeeds.
  t.client.jwtSvidFor = (p) => jwtSvid(p.audience, t.clock.now(), new Date(t.clock.nowMs() + 600_000));
  await t.clock.advanceAsync(1000);
  await settle();
  assert.equal(t.processes.spawned.length, 1);
  const bundleJson = JSON.parse(t.writer.files.get('/out/jwt_bundle.json')!.data) as Record<string, string>;
  assert.deepEqual(Object.keys(bundleJson), ['example.org']);
  const jwks = JSON.parse(Buffer.from(bundleJson['example.org']!, 'base64').toString('utf8')) as { keys: { kid: string }[] };
  assert.deepEqual(jwks.keys.map((k) => k.kid), ['kid1']);
  stop.abort();
  await running;
});

test('daemon: a JWT-SVID is written raw and fetched again at half its remaining lifetime plus 1 s', async () => {
  const t = setup('cert_dir = "/out"\nagent_address = "/a.sock"\njwt_svids = [{ jwt_audience = "db", jwt_extra_audiences = ["x"], jwt_svid_file_name = "db.jwt" }]\n');
  const tokens: string[] = [];
  t.client.jwtSvidFor = (p) => {
    const svid = jwtSvid(p.audience, t.clock.now(), new Date(t.clock.nowMs() + 600_000));
    tokens.push(svid.token);
    return svid;
  };
  const stop = new AbortController();
  const running = t.helper.runDaemon(stop.signal);
  await settle();
  assert.equal(t.client.jwtRequests.length, 1);
  assert.deepEqual(t.client.jwtRequests[0], { audience: 'db', extraAudiences: ['x'] });
  assert.deepEqual(t.writer.files.get('/out/db.jwt'), { data: tokens[0], mode: 0o600 });
  await t.clock.advanceAsync(300_000); // 10 min lifetime: due at 5 min + 1 s
  assert.equal(t.client.jwtRequests.length, 1);
  await t.clock.advanceAsync(1000);
  await settle();
  assert.equal(t.client.jwtRequests.length, 2);
  stop.abort();
  await running;
});

test('one-shot: writes every output once and resolves; the process is never launched', async () => {
  const pki = await createPki();
  const t = setup(`${X509_CONF}jwt_bundle_file_name = "jwt_bundle.json"\n`, { daemonMode: false });
  t.client.pushX509(await x509Context(pki, [{ id: 'spiffe://example.org/db' }]));
  t.client.pushJwtBundles(jwtBundles());
  await t.helper.runOnce(30_000);
  assert.deepEqual([...t.writer.files.keys()].sort(), ['/out/bundle.pem', '/out/jwt_bundle.json', '/out/svid.pem', '/out/svid_key.pem']);
  assert.equal(t.client.x509.watchers.size, 0, 'the watch is cancelled');
  assert.equal(t.processes.spawned.length, 0);
});

test('one-shot: rejects naming the missing output and the last error when nothing arrives in time', async () => {
  const t = setup(X509_CONF, { daemonMode: false });
  const outcome = assert.rejects(t.helper.runOnce(30_000), /within 30s for: x509_svid \(last error: PermissionDenied: no identity issued\)/);
  await settle();
  t.client.failX509(new Error('PermissionDenied: no identity issued'));
  await t.clock.advanceAsync(29_999);
  assert.equal(t.client.x509.watchers.size, 1, 'still waiting just before the deadline');
  await t.clock.advanceAsync(1);
  await outcome;
  assert.equal(t.writer.files.size, 0);
});
