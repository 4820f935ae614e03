import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Code } from '@connectrpc/connect';
import { bundlev1, healthv1, types } from '@tspire/proto';
import { create } from '@bufbuild/protobuf';
import { encodePemBlock } from '../../output/bundle-pretty.js';
import { startFakeAdminServer, type FakeAdminServer } from '../../testing/fake-admin-server.js';
import { runCli, type RunOptions } from '../../testing/run-cli.js';

const own = create(types.BundleSchema, { trustDomain: 'example.org', x509Authorities: [{ asn1: new Uint8Array([0x30, 1, 2]) }] });
const fed = create(types.BundleSchema, { trustDomain: 'fed.org', x509Authorities: [{ asn1: new Uint8Array([0x30, 9]) }] });

async function withBundleServer(fn: (server: FakeAdminServer, opts: RunOptions) => Promise<void>, serving = true): Promise<void> {
  const server = await startFakeAdminServer((r) => {
    r.service(bundlev1.Bundle, {
      getBundle: () => own,
      getFederatedBundle: () => fed,
      listFederatedBundles: () => ({ bundles: [fed, fed] }),
      countBundles: () => ({ count: 2 }),
      batchSetFederatedBundle: (req) => ({ results: req.bundle.map((b) => ({ status: { code: 0, message: 'OK' }, bundle: b })) }),
      batchDeleteFederatedBundle: (req) => ({
        results: req.trustDomains.map((td) => ({ status: td === 'busy.org' ? { code: Code.FailedPrecondition, message: 'entries federate with it' } : { code: 0, message: 'OK' }, trustDomain: td })),
      }),
    });
    r.service(healthv1.Health, {
      check: () => ({ status: serving ? healthv1.HealthCheckResponse_ServingStatus.SERVING : healthv1.HealthCheckResponse_ServingStatus.NOT_SERVING }),
    });
  });
  try {
    await fn(server, { socketPath: server.socketPath });
  } finally {
    await server.close();
  }
}

test('bundle show prints PEM; -output json prints the Bundle message', async () => {
  await withBundleServer(async (_s, opts) => {
    const run = await runCli(['bundle', 'show'], [], opts);
    assert.equal(run.stdout, encodePemBlock('CERTIFICATE', new Uint8Array([0x30, 1, 2])));
    const json = await runCli(['bundle', 'show'], ['-output', 'json'], opts);
    assert.equal(json.stdout, '{"jwt_authorities":[],"refresh_hint":"0","sequence_number":"0","trust_domain":"example.org","wit_authorities":[],"x509_authorities":[{"asn1":"MAEC","tainted":false}]}\n');
    const bad = await runCli(['bundle', 'show'], ['-format', 'der'], opts);
    assert.equal(bad.stderr, 'Error: invalid format: "der"\n');
  });
});

test('bundle list: headers for all bundles, none with -id', async () => {
  await withBundleServer(async (server, opts) => {
    const pem = encodePemBlock('CERTIFICATE', new Uint8Array([0x30, 9]));
    const header = `${'*'.repeat(40)}\n* fed.org\n${'*'.repeat(40)}\n`;
    assert.equal((await runCli(['bundle', 'list'], [], opts)).stdout, `${header}${pem}\n${header}${pem}`);
    assert.equal((await runCli(['bundle', 'list'], ['-id', 'spiffe://fed.org'], opts)).stdout, pem);
    assert.deepEqual(server.requests<bundlev1.GetFederatedBundleRequest>('Bundle/GetFederatedBundle').map((r) => r.trustDomain), ['spiffe://fed.org']);
  });
});

test('bundle set reads SPIFFE JSON from stdin and upserts the bundle', async () => {
  await withBundleServer(async (server, opts) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), use: 'jwt-svid', kid: 'k1' };
    const doc = JSON.stringify({ keys: [jwk], spiffe_refresh_hint: 60, spiffe_sequence: 4 });
    const run = await runCli(['bundle', 'set'], ['-id', 'spiffe://fed.org', '-format', 'SPIFFE'], { ...opts, stdin: doc });
    assert.deepEqual(run, { code: 0, stdout: 'bundle set.\n', stderr: '' });
    const sent = server.requests<bundlev1.BatchSetFederatedBundleRequest>('Bundle/BatchSetFederatedBundle')[0]?.bundle[0];
    assert.equal(sent?.trustDomain, 'fed.org');
    assert.equal(sent?.jwtAuthorities[0]?.keyId, 'k1');
    assert.deepEqual([sent?.refreshHint, sent?.sequenceNumber], [60n, 4n]);
    assert.equal((await runCli(['bundle', 'set'], [], opts)).stderr, 'Error: id flag is required\n');
    const garbage = await runCli(['bundle', 'set'], ['-id', 'fed.org'], { ...opts, stdin: 'not pem' });
    assert.match(garbage.stderr, /^Error: unable to parse bundle data: /);
  });
});

test('bundle delete sends the mode and reports failures; bundle count pluralizes', async () => {
  await withBundleServer(async (server, opts) => {
    assert.equal((await runCli(['bundle', 'delete'], ['-id', 'fed.org'], opts)).stdout, 'bundle deleted.\n');
    assert.equal((await runCli(['bundle', 'delete'], ['-id', 'fed.org', '-mode', 'dissociate'], opts)).code, 0);
    const reqs = server.requests<bundlev1.BatchDeleteFederatedBundleRequest>('Bundle/BatchDeleteFederatedBundle');
    assert.deepEqual(reqs.map((r) => r.mode), [bundlev1.BatchDeleteFederatedBundleRequest_Mode.RESTRICT, bundlev1.BatchDeleteFederatedBundleRequest_Mode.DISSOCIATE]);
    assert.equal((await runCli(['bundle', 'delete'], ['-id', 'x', '-mode', 'nuke'], opts)).stderr, 'Error: unsupported mode "nuke"\n');
    assert.equal((await runCli(['bundle', 'delete'], ['-id', 'busy.org'], opts)).stderr, 'Error: failed to delete federated bundle "busy.org": entries federate with it\n');
    assert.equal((await runCli(['bundle', 'count'], [], opts)).stdout, '2 bundles\n');
  });
});

test('healthcheck: healthy, verbose, and not serving', async () => {
  await withBundleServer(async (server, opts) => {
    assert.deepEqual(await runCli(['healthcheck'], [], opts), { code: 0, stdout: 'Server is healthy.\n', stderr: '' });
    assert.equal((await runCli(['healthcheck'], ['-verbose', '-shallow'], opts)).stdout, 'Checking server health...\nServer is healthy.\n');
    assert.deepEqual(server.requests<healthv1.HealthCheckRequest>('Health/Check').map((r) => r.service), ['', '']);
    const json = await runCli(['healthcheck'], ['-output', 'json'], opts);
    assert.match(json.stderr, /^flag provided but not defined: -output\n/);
  });
  await withBundleServer(async (_s, opts) => {
    assert.deepEqual(await runCli(['healthcheck'], [], opts), { code: 1, stdout: '', stderr: 'Error: server is unhealthy: server returned status "NOT_SERVING"\n' });
  }, false);
});

test('healthcheck cannot determine health when the RPC fails', async () => {
  const server = await startFakeAdminServer(() => {});
  try {
    const run = await runCli(['healthcheck'], ['-verbose'], { socketPath: server.socketPath });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, 'Checking server health...\n');
    assert.match(run.stderr, /^Failed to check health: rpc error: code = Unimplemented desc = .*\nError: server is unhealthy: unable to determine health\n$/);
  } finally {
    await server.close();
  }
});
