import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { isSpiffeError } from '../errors.js';
import { DerCursor, Tag, rawOf, readChildren, readSingle } from '../der/reader.js';
import { encodeBoolean, encodeOctetString, encodeOid, encodeSequence, encodeTlv } from '../der/writer.js';
import { describeCertificate, getX509CertInfo } from './x509-cert-info.js';
import { KeyUsage, createCa, createIntermediate, createLeaf, unknownExtension } from './testing/x509-fixtures.js';

const ca = await createCa({ pathLen: 1 });
const leaf = await createLeaf(ca, {
  uris: ['spiffe://example.org/a', 'https://not-spiffe.example/x'],
  dns: ['api.example.org', 'localhost'],
  keyUsage: KeyUsage.digitalSignature | KeyUsage.keyAgreement | KeyUsage.decipherOnly,
  extraExtensions: [unknownExtension(true), new x509.Extension('1.2.3.4', false, Buffer.of(5, 0))],
});

test('reads basicConstraints, keyUsage, EKU, SANs, key identifiers and critical OIDs', () => {
  const info = getX509CertInfo(leaf.cert);
  assert.deepEqual(info.basicConstraints, { ca: false, critical: true });
  assert.equal(info.keyUsageCritical, true);
  assert.equal(info.keyUsage?.digitalSignature, true);
  assert.equal(info.keyUsage?.keyAgreement, true);
  assert.equal(info.keyUsage?.decipherOnly, true);
  assert.equal(info.keyUsage?.keyEncipherment, false);
  assert.equal(info.keyUsage?.keyCertSign, false);
  assert.deepEqual(info.extKeyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.deepEqual(info.uriSans, ['spiffe://example.org/a', 'https://not-spiffe.example/x']);
  assert.deepEqual(info.dnsSans, ['api.example.org', 'localhost']);
  assert.deepEqual(info.criticalExtensions, ['2.5.29.19', '2.5.29.15', '1.3.6.1.4.1.55555.1']);
  const caInfo = getX509CertInfo(ca.cert);
  assert.deepEqual(caInfo.basicConstraints, { ca: true, pathLenConstraint: 1, critical: true });
  assert.equal(caInfo.keyUsage?.keyCertSign, true);
  assert.equal(caInfo.keyUsage?.cRLSign, true);
  assert.equal(caInfo.extKeyUsage, undefined);
  assert.ok(caInfo.subjectKeyIdentifier && caInfo.subjectKeyIdentifier.length > 0);
  assert.deepEqual(info.authorityKeyIdentifier, caInfo.subjectKeyIdentifier);
  assert.deepEqual(info.issuerRaw, caInfo.subjectRaw);
  assert.deepEqual(caInfo.issuerRaw, caInfo.subjectRaw);
});

test('validity and names agree with node', () => {
  const info = getX509CertInfo(leaf.cert);
  assert.equal(info.notBefore.getTime(), new Date(leaf.cert.validFrom).getTime());
  assert.equal(info.notAfter.getTime(), new Date(leaf.cert.validTo).getTime());
  assert.deepEqual(info.subjectPublicKeyInfoRaw, leaf.cert.publicKey.export({ type: 'spki', format: 'der' }));
  assert.match(describeCertificate(leaf.cert), /CN=workload, O=tspire/);
});

test('absent extensions are reported as absent', async () => {
  const bare = await createLeaf(ca, { ca: 'omit', keyUsage: 'omit', uris: [], subject: 'CN=bare' });
  const info = getX509CertInfo(bare.cert);
  assert.equal(info.basicConstraints, undefined);
  assert.equal(info.keyUsage, undefined);
  assert.equal(info.keyUsageCritical, false);
  assert.deepEqual(info.uriSans, []);
  assert.deepEqual(info.criticalExtensions, []);
});

test('caches per X509Certificate object; raw DER gives the same facts', () => {
  assert.equal(getX509CertInfo(leaf.cert), getX509CertInfo(leaf.cert));
  const fromDer = getX509CertInfo(leaf.der);
  assert.deepEqual(fromDer.uriSans, getX509CertInfo(leaf.cert).uriSans);
  assert.notEqual(getX509CertInfo(leaf.der), fromDer);
});

/** Re-encodes the certificate with `edit` applied to its extension list (signature left stale). */
function withExtensions(der: Buffer, edit: (extensions: Buffer[]) => Buffer[]): Buffer {
  const cert = readChildren(readSingle(der));
  const tbsFields = readChildren(cert[0]!).map(rawOf);
  const extensionsWrapper = readSingle(tbsFields[tbsFields.length - 1]!);
  const extensions = readChildren(readChildren(extensionsWrapper)[0]!).map(rawOf);
  const newTbs = encodeSequence(...tbsFields.slice(0, -1), encodeTlv(0xa3, encodeSequence(...edit(extensions))));
  return encodeSequence(newTbs, rawOf(cert[1]!), rawOf(cert[2]!));
}

function assertBadCert(input: Uint8Array, part: RegExp): void {
  assert.throws(
    () => getX509CertInfo(input),
    (err: unknown) => isSpiffeError(err, 'ERR_X509_BAD_CERT') && part.test(err.message),
  );
}

test('refuses duplicate extensions, a second SAN extension included', () => {
  const doubled = withExtensions(leaf.der, (exts) => [...exts, exts.find((e) => e.includes(Buffer.from('551d11', 'hex')))!]);
  assertBadCert(doubled, /2\.5\.29\.17 appears more than once/);
  // node still parses it, so the cached path must refuse it too.
  assert.throws(() => getX509CertInfo(new X509Certificate(doubled)), (err: unknown) => isSpiffeError(err, 'ERR_X509_BAD_CERT') && /CN=workload/.test(err.message));
});

test('refuses malformed extension values and non-ASCII SANs', () => {
  const badBasicConstraints = encodeSequence(encodeOid('2.5.29.19'), encodeBoolean(true), encodeOctetString(Buffer.from('3003010102', 'hex')));
  assertBadCert(withExtensions(leaf.der, (exts) => [...exts.slice(1), badBasicConstraints]), /malformed DER/);
  const nonAsciiSan = encodeSequence(encodeOid('2.5.29.17'), encodeOctetString(encodeSequence(encodeTlv(0x86, Buffer.from('spiffe://td/caf\u00e9', 'latin1')))));
  assertBadCert(withExtensions(leaf.der, (exts) => [...exts.filter((e) => !e.includes(Buffer.from('551d11', 'hex'))), nonAsciiSan]), /non-ASCII/);
  const explicitFalse = encodeSequence(encodeOid('1.2.3'), encodeBoolean(false), encodeOctetString(Buffer.of(5, 0)));
  assert.deepEqual(getX509CertInfo(withExtensions(leaf.der, (exts) => [...exts, explicitFalse])).criticalExtensions.includes('1.2.3'), false);
});

test('refuses truncated DER, trailing data and mismatched signature algorithms', () => {
  assertBadCert(leaf.der.subarray(0, leaf.der.length - 10), /runs past the end/);
  assertBadCert(Buffer.concat([leaf.der, Buffer.of(0)]), /trailing data/);
  const cert = readChildren(readSingle(leaf.der));
  const tbs = new DerCursor(cert[0]!);
  assert.equal(tbs.next().tag, 0xa0);
  const otherAlgorithm = encodeSequence(encodeOid('1.2.840.10045.4.3.3'));
  const mismatched = encodeSequence(rawOf(cert[0]!), otherAlgorithm, rawOf(cert[2]!));
  assertBadCert(mismatched, /signature algorithm differs/);
  assertBadCert(encodeSequence(rawOf(cert[0]!)), /signatureAlgorithm is missing/);
  assert.equal(readSingle(leaf.der).tag, Tag.SEQUENCE);
});

test('intermediate certificates decode like roots', async () => {
  const intermediate = await createIntermediate(ca, { pathLen: 0, keyUsage: KeyUsage.keyCertSign });
  const info = getX509CertInfo(intermediate.cert);
  assert.deepEqual(info.basicConstraints, { ca: true, pathLenConstraint: 0, critical: true });
  assert.equal(info.keyUsage?.cRLSign, false);
});
