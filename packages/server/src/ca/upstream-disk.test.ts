import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { parseCertificate } from './certificate-info.js';
import { encodePem } from '@tspire/spiffe';
import { createDiskUpstreamAuthority } from './upstream-disk.js';
import { X509SvidSigner } from './x509-svid-signer.js';
import { assertSvidLeaf, hasOpenssl, opensslVerify } from './test-helpers.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const NOW = Math.floor(Date.now() / 1000); // @peculiar certificates are dated from the real clock
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' };

interface Authority { der: Uint8Array; keys: CryptoKeyPair; privateKey: KeyObject; name: string }
type CryptoKeyPair = { privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey };

/** An upstream CA made independently of our code, by @peculiar/x509. */
async function authority(name: string, alg: typeof EC | typeof RSA, issuer?: Authority, days = 30): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    await x509.AuthorityKeyIdentifierExtension.create((issuer ?? { keys }).keys.publicKey as never),
  ];
  const validity = { notBefore: new Date((NOW - 3600) * 1000), notAfter: new Date((NOW + days * 86_400) * 1000) };
  const cert = issuer === undefined
    ? await x509.X509CertificateGenerator.createSelfSigned({ name, keys: keys as never, signingAlgorithm: alg, extensions, ...validity })
    : await x509.X509CertificateGenerator.create({
      subject: name, issuer: new x509.X509Certificate(Uint8Array.from(issuer.der)).subject, publicKey: keys.publicKey as never,
      signingKey: issuer.keys.privateKey as never, signingAlgorithm: alg, extensions, ...validity,
    });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { der: new Uint8Array(cert.rawData), keys, privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), name };
}

async function files(t: { after: (fn: () => Promise<void>) => void }, content: Record<string, string>): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-upstream-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(content)) await writeFile((paths[name] = join(dir, name)), text);
  return paths;
}

const caKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const caSpki = caKey.publicKey.export({ type: 'spki', format: 'der' });
const request = { trustDomain: 'example.org', spkiDer: caSpki, subject: { country: ['US'], organization: ['SPIFFE'] }, ttlSeconds: 86_400, now: NOW };
const leafSpki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });

test('self-signed upstream (SEC1 key): CA is an intermediate and the upstream is the bundle', async (t) => {
  const root = await authority('CN=Upstream Root', EC);
  const paths = await files(t, { 'ca.crt': encodePem('CERTIFICATE', root.der), 'ca.key': root.privateKey.export({ type: 'sec1', format: 'pem' }) as string });
  const minted = await createDiskUpstreamAuthority({ certFilePath: paths['ca.crt']!, keyFilePath: paths['ca.key']! }).mintX509Ca(request);
  assert.deepEqual(minted.upstreamRoots.map((d) => Buffer.from(d)), [Buffer.from(root.der)]);
  assert.deepEqual(minted.upstreamIntermediates, []);
  const ca = parseCertificate(minted.certificate);
  const rootInfo = parseCertificate(root.der);
  assert.deepEqual(Buffer.from(ca.issuerDer), Buffer.from(rootInfo.subjectDer));
  assert.deepEqual(Buffer.from(ca.authorityKeyId!), Buffer.from(rootInfo.subjectKeyId!));
  assert.equal(minted.upstreamAuthorityId, Buffer.from(rootInfo.subjectKeyId!).toString('hex'));
  assert.ok(ca.isCa);
  assert.deepEqual(ca.uris, ['spiffe://example.org']);
  assert.ok(new X509Certificate(minted.certificate).verify(new X509Certificate(root.der).publicKey));
  // Leaves from this CA chain to the upstream root: leaf + CA.
  const signer = new X509SvidSigner({ trustDomain: 'example.org', caCertificate: minted.certificate, caPrivateKey: caKey.privateKey });
  const leaf = signer.sign({ spiffeId: 'spiffe://example.org/w', spkiDer: leafSpki, ttlSeconds: 3600, now: NOW });
  assertSvidLeaf(leaf.certificate, 'spiffe://example.org/w', minted.certificate, caKey.publicKey);
  if (hasOpenssl()) {
    const result = opensslVerify(minted.upstreamRoots, [minted.certificate], leaf.certificate);
    assert.ok(result.ok, result.output);
  }
});

test('intermediate upstream with bundle_file_path (RSA PKCS#1 key): chain = leaf + CA + upstream intermediate', async (t) => {
  const root = await authority('CN=Root', RSA);
  const mid = await authority('CN=Mid', RSA, root, 2);
  const paths = await files(t, {
    'mid.crt': encodePem('CERTIFICATE', mid.der),
    'mid.key': mid.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    'root.crt': encodePem('CERTIFICATE', root.der),
  });
  const upstream = createDiskUpstreamAuthority({ certFilePath: paths['mid.crt']!, keyFilePath: paths['mid.key']!, bundleFilePath: paths['root.crt']! });
  const minted = await upstream.mintX509Ca({ ...request, ttlSeconds: 30 * 86_400 });
  assert.deepEqual(minted.upstreamIntermediates.map((d) => Buffer.from(d)), [Buffer.from(mid.der)]);
  assert.deepEqual(minted.upstreamRoots.map((d) => Buffer.from(d)), [Buffer.from(root.der)]);
  // notAfter capped at the upstream certificate's.
  assert.equal(parseCertificate(minted.certificate).notAfter, parseCertificate(mid.der).notAfter);
  const signer = new X509SvidSigner({ trustDomain: 'example.org', caCertificate: minted.certificate, caPrivateKey: caKey.privateKey });
  const leaf = signer.sign({ spiffeId: 'spiffe://example.org/w', spkiDer: leafSpki, ttlSeconds: 3600, now: NOW });
  const chain = [new X509Certificate(leaf.certificate), new X509Certificate(minted.certificate), new X509Certificate(mid.der), new X509Certificate(root.der)];
  for (let i = 0; i < 3; i++) assert.ok(chain[i]!.checkIssued(chain[i + 1]!) && chain[i]!.verify(chain[i + 1]!.publicKey), `link ${i}`);
  if (hasOpenssl()) {
    const result = opensslVerify(minted.upstreamRoots, [minted.certificate, ...minted.upstreamIntermediates], leaf.certificate);
    assert.ok(result.ok, result.output);
  }
});

test('PKCS#8 keys load too', async (t) => {
  const root = await authority('CN=P8', EC);
  const paths = await files(t, { 'ca.crt': encodePem('CERTIFICATE', root.der), 'ca.key': root.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
  const minted = await createDiskUpstreamAuthority({ certFilePath: paths['ca.crt']!, keyFilePath: paths['ca.key']! }).mintX509Ca(request);
  assert.ok(parseCertificate(minted.certificate).isCa);
});

test('inconsistent upstream files fail with ERR_CA_UPSTREAM naming the problem', async (t) => {
  const root = await authority('CN=Root', EC);
  const mid = await authority('CN=Mid', EC, root);
  const stranger = await authority('CN=Stranger', EC);
  const key = (a: Authority): string => a.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const paths = await files(t, {
    'root.crt': encodePem('CERTIFICATE', root.der), 'root.key': key(root), 'mid.crt': encodePem('CERTIFICATE', mid.der), 'mid.key': key(mid),
    'stranger.crt': encodePem('CERTIFICATE', stranger.der), 'empty.crt': 'nothing here', 'bad.key': 'not a key',
  });
  const cases: [Parameters<typeof createDiskUpstreamAuthority>[0], RegExp][] = [
    [{ certFilePath: paths['root.crt']!, keyFilePath: paths['mid.key']! }, /does not match/],
    [{ certFilePath: paths['mid.crt']!, keyFilePath: paths['mid.key']! }, /not self-signed, so bundle_file_path is required/],
    [{ certFilePath: paths['mid.crt']!, keyFilePath: paths['mid.key']!, bundleFilePath: paths['stranger.crt']! }, /not signed by any certificate in bundle_file_path/],
    [{ certFilePath: paths['empty.crt']!, keyFilePath: paths['root.key']! }, /no CERTIFICATE block/],
    [{ certFilePath: paths['root.crt']!, keyFilePath: paths['bad.key']! }, /no readable private key/],
    [{ certFilePath: join(tmpdir(), 'tspire-missing.crt'), keyFilePath: paths['root.key']! }, /cannot read cert_file_path/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(createDiskUpstreamAuthority(options).mintX509Ca(request), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'ERR_CA_UPSTREAM');
      assert.match((err as Error).message, message);
      return true;
    });
  }
  // An expired upstream is refused.
  await assert.rejects(createDiskUpstreamAuthority({ certFilePath: paths['root.crt']!, keyFilePath: paths['root.key']! }).mintX509Ca({ ...request, now: NOW + 31 * 86_400 }), /expired/);
});
