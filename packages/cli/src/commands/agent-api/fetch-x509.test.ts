import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpiffeBundle } from '@tspire/spiffe';
import { OTHER_TD, TD, UID_1000, idOf, runAgentCli, withAgentCli } from '../../agent-cli/workload-fixture.test-helper.js';
import { formatGoTime } from '../../output/go-time.js';

const goTime = (cert: X509Certificate, which: 'validFrom' | 'validTo'): string =>
  formatGoTime(Math.floor(new Date(cert[which]).getTime() / 1000), 'UTC');
const pem = (cert: X509Certificate): string => cert.toString();

test('api fetch x509 prints every SVID verified, with hint, intermediates, CAs and federated CAs', async () => {
  await withAgentCli(async (f) => {
    const api = await f.svid('/api', { intermediate: true });
    const db = await f.svid('/db');
    f.source.setEntry({ entryId: 'b', spiffeId: idOf('/db'), selectors: UID_1000, svid: db });
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid: api, hint: 'internal', federatesWith: [OTHER_TD] });
    const [leaf, intermediate] = api.certificates as [X509Certificate, X509Certificate];
    const ca = f.own.ca.cert;
    const otherCa = f.other.ca.cert;
    const expected =
      'Received 2 svids after 1.5ms\n\n' +
      'SPIFFE ID:\t\tspiffe://example.org/api\n' +
      'Hint:\t\t\tinternal\n' +
      `SVID Valid After:\t${goTime(leaf, 'validFrom')}\nSVID Valid Until:\t${goTime(leaf, 'validTo')}\n` +
      `Intermediate #1 Valid After:\t${goTime(intermediate, 'validFrom')}\nIntermediate #1 Valid Until:\t${goTime(intermediate, 'validTo')}\n` +
      `CA #1 Valid After:\t${goTime(ca, 'validFrom')}\nCA #1 Valid Until:\t${goTime(ca, 'validTo')}\n` +
      `[spiffe://other.org] CA #1 Valid After:\t${goTime(otherCa, 'validFrom')}\n[spiffe://other.org] CA #1 Valid Until:\t${goTime(otherCa, 'validTo')}\n` +
      '\nSPIFFE ID:\t\tspiffe://example.org/db\n' +
      `SVID Valid After:\t${goTime(db.leaf, 'validFrom')}\nSVID Valid Until:\t${goTime(db.leaf, 'validTo')}\n` +
      `CA #1 Valid After:\t${goTime(ca, 'validFrom')}\nCA #1 Valid Until:\t${goTime(ca, 'validTo')}\n` +
      `[spiffe://other.org] CA #1 Valid After:\t${goTime(otherCa, 'validFrom')}\n[spiffe://other.org] CA #1 Valid Until:\t${goTime(otherCa, 'validTo')}\n` +
      '\n';
    assert.match(goTime(leaf, 'validFrom'), /^2030-06-01 11:00:00 \+0000 UTC$/);
    for (const words of [['api', 'fetch', 'x509'], ['api', 'fetch']]) {
      const run = await f.run(words);
      assert.deepEqual(run, { code: 0, stdout: expected, stderr: '' });
    }
  });
});

test('api fetch x509 -write writes SVIDs, keys (0600), bundles and federated bundles (0644)', async () => {
  await withAgentCli(async (f) => {
    const svid = await f.svid('/api', { intermediate: true });
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid, federatesWith: [OTHER_TD] });
    const out = await mkdtemp(join(tmpdir(), 'tspire-write-'));
    try {
      const run = await f.run(['api', 'fetch', 'x509'], {});
      assert.equal(run.code, 0);
      const silent = await f.run(['api', 'fetch', 'x509', '-silent', '-write', out]);
      assert.deepEqual(silent, {
        code: 0,
        stderr: '',
        stdout:
          `Writing SVID #0 to file ${out}/svid.0.pem.\nWriting key #0 to file ${out}/svid.0.key.\n` +
          `Writing bundle #0 to file ${out}/bundle.0.pem.\n` +
          `Writing federated bundle #0 for trust domain spiffe://other.org to file ${out}/federated_bundle.0.0.pem.\n`,
      });
      assert.equal(await readFile(join(out, 'svid.0.pem'), 'utf8'), svid.certificates.map(pem).join(''));
      assert.equal(await readFile(join(out, 'svid.0.key'), 'utf8'), svid.marshalPem().privateKey);
      assert.match(await readFile(join(out, 'svid.0.key'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(await readFile(join(out, 'bundle.0.pem'), 'utf8'), pem(f.own.ca.cert));
      assert.equal(await readFile(join(out, 'federated_bundle.0.0.pem'), 'utf8'), pem(f.other.ca.cert));
      const modes = await Promise.all(['svid.0.pem', 'svid.0.key', 'bundle.0.pem', 'federated_bundle.0.0.pem'].map(async (n) => (await stat(join(out, n))).mode & 0o777));
      assert.deepEqual(modes, [0o644, 0o600, 0o644, 0o644]);
      // Without -silent the block comes first, then the files are written.
      const loud = await f.run(['api', 'fetch', 'x509', '-write', out]);
      assert.match(loud.stdout, /^Received 1 svid after 1\.5ms\n\nSPIFFE ID:\t\tspiffe:\/\/example\.org\/api\n[^]*\n\nWriting SVID #0 to file /);
      const missingDir = await f.run(['api', 'fetch', 'x509', '-silent', '-write', join(out, 'absent')]);
      assert.deepEqual(missingDir, {
        code: 1,
        stdout: `Writing SVID #0 to file ${out}/absent/svid.0.pem.\n`,
        stderr: `open ${out}/absent/svid.0.pem: no such file or directory\n`,
      });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

test('api fetch x509 -output json prints the response as protojson (and ignores -silent)', async () => {
  await withAgentCli(async (f) => {
    const svid = await f.svid('/api');
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid, hint: 'h', federatesWith: [OTHER_TD] });
    const run = await f.run(['api', 'fetch', 'x509', '-output', 'json', '-silent']);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
    assert.ok(run.stdout.endsWith('}\n') && !run.stdout.slice(0, -1).includes('\n'));
    assert.match(run.stdout, /^\{"crl":\[\],"federated_bundles":\{"spiffe:\/\/other\.org":"/);
    const json = JSON.parse(run.stdout) as { svids: Record<string, string>[]; federated_bundles: Record<string, string> };
    const { certificates, privateKey } = svid.marshalDer();
    assert.deepEqual(json.svids, [
      { bundle: f.own.ca.cert.raw.toString('base64'), hint: 'h', spiffe_id: 'spiffe://example.org/api', x509_svid: certificates.toString('base64'), x509_svid_key: privateKey.toString('base64') },
    ]);
    assert.equal(json.federated_bundles['spiffe://other.org'], f.other.ca.cert.raw.toString('base64'));
  });
});

test('api fetch x509 fails on SVIDs that do not chain to the bundle, and on RPC errors', async () => {
  await withAgentCli(async (f) => {
    const rogue = await f.svid('/api');
    // Signed by example.org's CA, but the bundle now only holds another CA.
    f.source.setBundle(new SpiffeBundle(TD, { x509Authorities: [f.other.ca.cert] }));
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid: rogue });
    const run = await f.run(['api', 'fetch', 'x509']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^"spiffe:\/\/example\.org\/api" SVID failed verification against bundle: .+\n$/);

    f.source.removeEntry('a');
    const denied = await f.run(['api', 'fetch', 'x509']);
    assert.deepEqual(denied, { code: 1, stdout: '', stderr: 'rpc error: code = PermissionDenied desc = no identity issued\n' });
  });
});

test('api fetch x509 -timeout: a stream with nothing to send ends with DeadlineExceeded', async () => {
  await withAgentCli(async (f) => {
    // No SVID yet: the first message waits for it.
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000 });
    const run = await f.run(['api', 'fetch', 'x509', '-timeout', '50ms']);
    assert.deepEqual(run, { code: 1, stdout: '', stderr: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded\n' });
    const bad = await f.run(['api', 'fetch', 'x509', '-timeout', 'soon']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^invalid value "soon" for flag -timeout: time: invalid duration "soon"\nUsage of fetch x509:\n/);
  });
});

test('a missing socket gives grpc-go\'s dial error and exit code 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-nosock-'));
  try {
    const socketPath = join(dir, 'none.sock');
    const run = await runAgentCli(['api', 'fetch', 'x509', '-socketPath', socketPath]);
    assert.deepEqual(run, {
      code: 1,
      stdout: '',
      stderr: `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${socketPath}: connect: no such file or directory"\n`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
