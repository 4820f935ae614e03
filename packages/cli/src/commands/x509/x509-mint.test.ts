import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError } from '@connectrpc/connect';
import * as x509 from '@peculiar/x509';
import { bundlev1, svidv1 } from '@tspire/proto';
import type { AdminClient } from '../../admin-client.js';
import { encodePemBlock } from '../../output/bundle-pretty.js';
import { createServerCommandRegistry } from '../../server-cli/commands.js';
import { startFakeAdminServer, type FakeAdminServer } from '../../testing/fake-admin-server.js';
import { runCli, type RunOptions } from '../../testing/run-cli.js';
import { createX509MintCommand } from './mint.js';

const NOW = Date.parse('2024-01-02T03:04:05Z') / 1000; // runCli's clock
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const leaf = new Uint8Array([0x30, 1, 1]);
const intermediate = new Uint8Array([0x30, 1, 2]);
const root = new Uint8Array([0x30, 1, 3]);

interface Behaviour {
  expiresAt?: bigint;
  chain?: Uint8Array[];
  mintError?: ConnectError;
}

async function withServer(behaviour: Behaviour, fn: (server: FakeAdminServer, opts: RunOptions) => Promise<void>): Promise<void> {
  const server = await startFakeAdminServer((r) => {
    r.service(svidv1.SVID, {
      mintX509SVID: () => {
        if (behaviour.mintError !== undefined) throw behaviour.mintError;
        return { svid: { certChain: behaviour.chain ?? [leaf, intermediate], expiresAt: behaviour.expiresAt ?? BigInt(NOW + 3600) } };
      },
    });
    r.service(bundlev1.Bundle, { getBundle: () => ({ trustDomain: 'example.org', x509Authorities: [{ asn1: root }] }) });
  });
  const registry = createServerCommandRegistry().register('x509 mint', createX509MintCommand({ generateKey: () => key }));
  try {
    await fn(server, { socketPath: server.socketPath, registry });
  } finally {
    await server.close();
  }
}

async function sentCsr(server: FakeAdminServer): Promise<{ csr: x509.Pkcs10CertificateRequest; ttl: number }> {
  const req = server.requests<svidv1.MintX509SVIDRequest>('SVID/MintX509SVID')[0];
  assert.ok(req !== undefined, 'MintX509SVID was not called');
  return { csr: new x509.Pkcs10CertificateRequest(req.csr), ttl: req.ttl };
}

test('x509 mint prints the chain, the PKCS#8 key and the roots; the CSR is signed and names the SPIFFE ID', async () => {
  await withServer({}, async (server, opts) => {
    const run = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-dns', 'a.example.org', '-dns', 'b.example.org', '-ttl', '90.5s'], opts);
    const pem = (d: Uint8Array): string => encodePemBlock('CERTIFICATE', d);
    assert.deepEqual(run, {
      code: 0,
      stdout: `X509-SVID:\n${pem(leaf)}${pem(intermediate)}\nPrivate key:\n${keyPem}\nRoot CAs:\n${pem(root)}\n`,
      stderr: '',
    });
    const { csr, ttl } = await sentCsr(server);
    assert.equal(ttl, 91); // rounded up to whole seconds
    assert.equal(await csr.verify(), true);
    assert.deepEqual(Buffer.from(csr.publicKey.rawData), key.publicKey.export({ type: 'spki', format: 'der' }));
    const names = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension)?.names.items ?? [];
    assert.deepEqual(names.filter((n) => n.type === 'url').map((n) => n.value), ['spiffe://example.org/w']);
    assert.deepEqual(names.filter((n) => n.type === 'dns').map((n) => n.value), ['a.example.org', 'b.example.org']);
    assert.deepEqual(server.calls.map((c) => c.method), ['SVID/MintX509SVID', 'Bundle/GetBundle']);
  });
});

test('x509 mint warns on stderr when the server capped the TTL; default TTL sends 0', async () => {
  await withServer({ expiresAt: BigInt(NOW + 1800) }, async (server, opts) => {
    const capped = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-ttl', '1h'], opts);
    assert.equal(capped.code, 0);
    assert.equal(capped.stderr, 'X509-SVID lifetime was capped shorter than specified ttl; expires "2024-01-02T03:34:05Z"\n');
    const fits = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-ttl', '30m'], opts);
    assert.equal(fits.stderr, '');
    const dflt = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w'], opts);
    assert.equal(dflt.stderr, '');
    const ttls = server.requests<svidv1.MintX509SVIDRequest>('SVID/MintX509SVID').map((r) => r.ttl);
    assert.deepEqual(ttls, [3600, 1800, 0]);
  });
});

test('x509 mint -output json prints base64 DER under SPIRE\'s keys', async () => {
  await withServer({ chain: [leaf] }, async (_server, opts) => {
    const run = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-output', 'json'], opts);
    const keyDer = key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    assert.equal(run.stdout, `{"private_key":"${keyDer}","root_cas":["MAED"],"x509_svid":["MAEB"]}\n`);
  });
});

test('x509 mint -write writes svid.pem (0644), key.pem (0600) and bundle.pem (0644)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-mint-'));
  try {
    await withServer({}, async (_server, opts) => {
      const run = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-write', dir], opts);
      const [svid, keyFile, bundle] = ['svid.pem', 'key.pem', 'bundle.pem'].map((f) => join(dir, f)) as [string, string, string];
      assert.deepEqual(run, {
        code: 0,
        stdout: `X509-SVID written to ${svid}\nPrivate key written to ${keyFile}\nRoot CAs written to ${bundle}\n`,
        stderr: '',
      });
      assert.equal(await readFile(svid, 'utf8'), encodePemBlock('CERTIFICATE', leaf) + encodePemBlock('CERTIFICATE', intermediate));
      assert.equal(await readFile(keyFile, 'utf8'), keyPem);
      assert.equal(await readFile(bundle, 'utf8'), encodePemBlock('CERTIFICATE', root));
      assert.deepEqual(await Promise.all([svid, keyFile, bundle].map(async (p) => (await stat(p)).mode & 0o777)), [0o644, 0o600, 0o644]);
      const missing = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-write', join(dir, 'nope')], opts);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error: unable to write SVID: open ${join(dir, 'nope', 'svid.pem')}: no such file or directory\n`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('x509 mint checks -spiffeID and -ttl before dialing the socket', async () => {
  const dialed: string[] = [];
  const connect = async (path: string): Promise<AdminClient> => {
    dialed.push(path);
    throw new Error('dial refused');
  };
  const cases: [string[], RegExp][] = [
    [[], /^Error: spiffeID must be specified\n$/],
    [['-spiffeID', 'example.org/w'], /^Error: scheme is missing or invalid\n$/],
    [['-spiffeID', 'spiffe://example.org/w', '-ttl', '-1s'], /^Error: invalid value for TTL: must not be negative\n$/],
  ];
  for (const [args, stderr] of cases) {
    const run = await runCli(['x509', 'mint'], args, { connect });
    assert.equal(run.code, 1);
    assert.match(run.stderr, stderr);
  }
  assert.deepEqual(dialed, []);
  const ok = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w'], { connect });
  assert.deepEqual(ok, { code: 1, stdout: '', stderr: 'Error: dial refused\n' });
  assert.equal(dialed.length, 1);
});

test('x509 mint reports RPC failures and empty responses with SPIRE\'s messages', async () => {
  await withServer({ mintError: new ConnectError('caller is not authorized', Code.PermissionDenied) }, async (_s, opts) => {
    const run = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w'], opts);
    assert.deepEqual(run, { code: 1, stdout: '', stderr: 'Error: unable to mint SVID: rpc error: code = PermissionDenied desc = caller is not authorized\n' });
  });
  await withServer({ chain: [] }, async (_s, opts) => {
    const run = await runCli(['x509', 'mint'], ['-spiffeID', 'spiffe://example.org/w'], opts);
    assert.equal(run.stderr, 'Error: server response missing SVID chain\n');
  });
});
