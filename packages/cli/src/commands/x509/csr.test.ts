import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { der } from '@tspire/spiffe';
import { buildCsr } from './csr.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function sanOf(csr: x509.Pkcs10CertificateRequest): { type: string; value: string }[] {
  const san = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  return san?.names.items.map((n) => ({ type: n.type, value: n.value })) ?? [];
}

test('buildCsr: signed PKCS#10 with the SPIFFE ID as the only URI SAN and the DNS names', async () => {
  const bytes = buildCsr({ spiffeId: 'spiffe://example.org/workload', dnsNames: ['a.example.org', 'b.example.org'], ...key });
  const csr = new x509.Pkcs10CertificateRequest(bytes);
  assert.equal(await csr.verify(), true);
  assert.equal(csr.subject, '');
  assert.deepEqual(sanOf(csr), [
    { type: 'dns', value: 'a.example.org' },
    { type: 'dns', value: 'b.example.org' },
    { type: 'url', value: 'spiffe://example.org/workload' },
  ]);
  assert.deepEqual(Buffer.from(csr.publicKey.rawData), key.publicKey.export({ type: 'spki', format: 'der' }));
});

test('buildCsr: the signature covers the request info (node:crypto check, tamper detection)', () => {
  const bytes = buildCsr({ spiffeId: 'spiffe://example.org/w', dnsNames: [], ...key });
  const [info, alg, sig] = der.readChildren(der.readSingle(bytes, der.Tag.SEQUENCE, 'csr'));
  assert.ok(info !== undefined && alg !== undefined && sig !== undefined);
  assert.equal(der.readOid(der.readChildren(alg)[0]!), '1.2.840.10045.4.3.2');
  const signature = der.readBitString(sig).bytes;
  const pub = createPublicKey({ key: key.publicKey.export({ type: 'spki', format: 'der' }), format: 'der', type: 'spki' });
  assert.equal(verify('sha256', der.rawOf(info), { key: pub, dsaEncoding: 'der' }, signature), true);
  const tampered = Buffer.from(der.rawOf(info));
  tampered[tampered.length - 1]! ^= 1;
  assert.equal(verify('sha256', tampered, { key: pub, dsaEncoding: 'der' }, signature), false);
  // Without -dns the SAN holds the URI alone.
  assert.deepEqual(sanOf(new x509.Pkcs10CertificateRequest(bytes)), [{ type: 'url', value: 'spiffe://example.org/w' }]);
});

test('buildCsr rejects non-ASCII DNS names and keys other than P-256', () => {
  assert.throws(() => buildCsr({ spiffeId: 'spiffe://example.org/w', dnsNames: ['bücher.example'], ...key }), {
    message: 'unable to generate CSR: x509: "bücher.example" cannot be encoded as an IA5String',
  });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.throws(() => buildCsr({ spiffeId: 'spiffe://example.org/w', dnsNames: [], ...p384 }), /EC P-256/);
});
