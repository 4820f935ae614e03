import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createCaCertificate } from './ca-certificate.js';
import { parseCertificate } from './certificate-info.js';
import { OID } from './oids.js';
import { X509SvidSigner } from './x509-svid-signer.js';
import { assertSvidLeaf, hasOpenssl, opensslText, opensslVerify } from './test-helpers.js';
import { decodeName } from './x509-name.js';
import { der } from '@tspire/spiffe';

const NOW = Date.UTC(2030, 5, 1, 12, 0, 0) / 1000;
const TD = 'example.org';

function ecKey(curve = 'P-256'): { privateKey: KeyObject; publicKey: KeyObject; spki: Buffer } {
  const pair = generateKeyPairSync('ec', { namedCurve: curve });
  return { ...pair, spki: pair.publicKey.export({ type: 'spki', format: 'der' }) };
}

function makeCa(curve = 'P-256', ttlSeconds = 86_400) {
  const key = ecKey(curve);
  const certificate = createCaCertificate({ trustDomain: TD, spkiDer: key.spki, subject: { country: ['US'], organization: ['SPIFFE'] }, ttlSeconds, now: NOW }, key.privateKey);
  return { key, certificate, signer: new X509SvidSigner({ trustDomain: TD, caCertificate: certificate, caPrivateKey: key.privateKey }) };
}

const caP256 = makeCa();
const leafKey = ecKey();

test('self-signed CA certificate follows the SPIFFE/SPIRE CA profile', () => {
  const info = parseCertificate(caP256.certificate);
  const node = new X509Certificate(caP256.certificate);
  assert.ok(node.verify(caP256.key.publicKey));
  assert.ok(info.isCa);
  assert.ok(info.extensions.get(OID.basicConstraints)?.critical);
  assert.ok(info.extensions.get(OID.keyUsage)?.critical);
  assert.equal(info.keyUsage, (1 << 5) | (1 << 6)); // keyCertSign + cRLSign only
  assert.deepEqual(info.uris, ['spiffe://example.org']);
  assert.ok(info.subjectKeyId !== undefined);
  assert.equal(info.authorityKeyId, undefined, 'a self-signed CA has no authorityKeyIdentifier, as Go (SPIRE) makes it');
  assert.deepEqual(Buffer.from(info.subjectDer), Buffer.from(info.issuerDer));
  assert.equal(info.notBefore, NOW - 10);
  assert.equal(info.notAfter, NOW + 86_400);
  const subject = decodeName(der.readElement(info.subjectDer, 0));
  const serialDecimal = BigInt('0x' + Buffer.from(info.serial).toString('hex')).toString();
  assert.deepEqual(subject.map((a) => a.value), ['US', 'SPIFFE', serialDecimal]);
  assert.equal(subject[2]!.oid, OID.serialNumber);
});

test('leaf SVID satisfies every X509-SVID rule and SPIRE defaults', () => {
  const signed = caP256.signer.sign({ spiffeId: 'spiffe://example.org/web', spkiDer: leafKey.spki, dnsNames: ['web.example.org', 'alt.example.org'], ttlSeconds: 3600, now: NOW + 0.7 });
  const info = assertSvidLeaf(signed.certificate, 'spiffe://example.org/web', caP256.certificate, caP256.key.publicKey);
  assert.deepEqual(info.dnsNames, ['web.example.org', 'alt.example.org']);
  assert.equal(info.notBefore, NOW - 10);
  assert.equal(info.notAfter, NOW + 3600);
  assert.deepEqual(Buffer.from(info.spkiDer), leafKey.spki);
  const subject = decodeName(der.readElement(info.subjectDer, 0)).map((a) => a.value);
  assert.deepEqual(subject, ['US', 'SPIRE', 'web.example.org']); // CN = first DNS name
  assert.equal(info.signatureAlgorithmOid, OID.ecdsaWithSha256);
});

test('leaf without DNS names has subject C=US, O=SPIRE and a non-critical SAN', () => {
  const { certificate } = caP256.signer.sign({ spiffeId: 'spiffe://example.org/agent', spkiDer: leafKey.spki, ttlSeconds: 60, now: NOW });
  const info = assertSvidLeaf(certificate, 'spiffe://example.org/agent', caP256.certificate, caP256.key.publicKey);
  assert.deepEqual(decodeName(der.readElement(info.subjectDer, 0)).map((a) => a.value), ['US', 'SPIRE']);
  assert.equal(info.extensions.get(OID.subjectAltName)?.critical, false);
});

test('an empty custom subject makes the SAN critical (RFC 5280)', () => {
  const { certificate } = caP256.signer.sign({ spiffeId: 'spiffe://example.org/x', spkiDer: leafKey.spki, ttlSeconds: 60, now: NOW, subject: {} });
  const info = parseCertificate(certificate);
  assert.equal(info.subjectDer.length, 2);
  assert.equal(info.extensions.get(OID.subjectAltName)?.critical, true);
  assert.ok(new X509Certificate(certificate).verify(caP256.key.publicKey));
});

test('notAfter never goes beyond the CA notAfter', () => {
  const ca = makeCa('P-256', 600);
  const signed = ca.signer.sign({ spiffeId: 'spiffe://example.org/w', spkiDer: leafKey.spki, ttlSeconds: 3600, now: NOW + 300 });
  assert.equal(signed.notAfter, NOW + 600);
  assert.equal(parseCertificate(signed.certificate).notAfter, NOW + 600);
  assert.throws(() => ca.signer.sign({ spiffeId: 'spiffe://example.org/w', spkiDer: leafKey.spki, ttlSeconds: 10, now: NOW + 600 }), { code: 'ERR_CA_EXPIRED' });
});

test('serials are positive even when the random top bit is set, and zero is redrawn', () => {
  const draws = [new Uint8Array(16), new Uint8Array(16).fill(0xff)];
  const signer = new X509SvidSigner({ trustDomain: TD, caCertificate: caP256.certificate, caPrivateKey: caP256.key.privateKey, randomBytes: (n) => draws.shift() ?? new Uint8Array(n).fill(1) });
  const { certificate, serial } = signer.sign({ spiffeId: 'spiffe://example.org/s', spkiDer: leafKey.spki, ttlSeconds: 60, now: NOW });
  assert.equal(Buffer.from(serial).toString('hex'), 'ff'.repeat(16)); // the all-zero draw was skipped
  const info = parseCertificate(certificate);
  assert.equal(Buffer.from(info.serial).toString('hex'), '00' + 'ff'.repeat(16)); // 2^128-1 as a positive INTEGER
  assert.equal(new X509Certificate(certificate).serialNumber, 'FF'.repeat(16));
});

test('random serials differ between SVIDs', () => {
  const serials = new Set<string>();
  for (let i = 0; i < 50; i++) serials.add(Buffer.from(caP256.signer.sign({ spiffeId: 'spiffe://example.org/s', spkiDer: leafKey.spki, ttlSeconds: 60, now: NOW }).serial).toString('hex'));
  assert.equal(serials.size, 50);
});

test('P-384 CAs sign with ECDSA SHA-384 and RSA CAs with SHA-256 PKCS#1 v1.5', () => {
  const p384 = makeCa('P-384');
  const a = p384.signer.sign({ spiffeId: 'spiffe://example.org/a', spkiDer: leafKey.spki, ttlSeconds: 60, now: NOW });
  assert.equal(parseCertificate(a.certificate).signatureAlgorithmOid, OID.ecdsaWithSha384);
  assertSvidLeaf(a.certificate, 'spiffe://example.org/a', p384.certificate, p384.key.publicKey);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaSpki = rsa.publicKey.export({ type: 'spki', format: 'der' });
  const rsaCa = createCaCertificate({ trustDomain: TD, spkiDer: rsaSpki, subject: {}, ttlSeconds: 3600, now: NOW }, rsa.privateKey);
  const signer = new X509SvidSigner({ trustDomain: TD, caCertificate: rsaCa, caPrivateKey: rsa.privateKey });
  const b = signer.sign({ spiffeId: 'spiffe://example.org/b', spkiDer: rsaSpki, ttlSeconds: 60, now: NOW });
  assert.equal(parseCertificate(b.certificate).signatureAlgorithmOid, OID.sha256WithRsa);
  assertSvidLeaf(b.certificate, 'spiffe://example.org/b', rsaCa, rsa.publicKey);
});

test('bad requests are refused with ERR_CA_INVALID_SVID_REQUEST', () => {
  const base = { spkiDer: leafKey.spki, ttlSeconds: 60, now: NOW };
  const bad = [
    { ...base, spiffeId: 'spiffe://other.org/x' },
    { ...base, spiffeId: 'spiffe://example.org' },
    { ...base, spiffeId: 'spiffe://Example.org/x' },
    { ...base, spiffeId: 'not an id' },
    { ...base, spiffeId: 'spiffe://example.org/x', dnsNames: ['bad name'] },
    { ...base, spiffeId: 'spiffe://example.org/x', dnsNames: [''] },
    { ...base, spiffeId: 'spiffe://example.org/x', ttlSeconds: 0 },
    { ...base, spiffeId: 'spiffe://example.org/x', ttlSeconds: 1.5 },
    { ...base, spiffeId: 'spiffe://example.org/x', spkiDer: Buffer.from('3000', 'hex') },
    { ...base, spiffeId: 'spiffe://example.org/x', subject: { country: ['U*'] } },
  ];
  for (const params of bad) assert.throws(() => caP256.signer.sign(params), { code: 'ERR_CA_INVALID_SVID_REQUEST' }, JSON.stringify(params.spiffeId));
});

test('openssl accepts the CA and leaf (x509_strict)', (t) => {
  if (!hasOpenssl()) return t.skip('openssl is not installed here');
  const { certificate } = caP256.signer.sign({ spiffeId: 'spiffe://example.org/web', spkiDer: leafKey.spki, dnsNames: ['web.example.org'], ttlSeconds: 3600, now: NOW });
  const result = opensslVerify([caP256.certificate], [], certificate, NOW + 5);
  assert.ok(result.ok, result.output);
  const text = opensslText(certificate);
  assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text, /URI:spiffe:\/\/example\.org\/web, DNS:web\.example\.org/);
  assert.match(text, /Subject: C = US, O = SPIRE, CN = web\.example\.org/);
  // A leaf signed after the CA expired would not verify; one at the CA's end still does.
  assert.equal(opensslVerify([caP256.certificate], [], certificate, NOW + 86_400 + 100).ok, false);
});
