import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECDH, createPublicKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { parseCsr } from './csr.js';
import { der } from '@tspire/spiffe';
import { oid, setOf } from './der-x509.js';
import { subjectAltName } from './extensions.js';
import { decodeName, encodeName } from './x509-name.js';
import { OID } from './oids.js';
import { CaError } from './errors.js';
import { hasOpenssl } from './test-helpers.js';

/** A PKCS#10 CSR built by hand, so tests control every field. */
function buildCsr(privateKey: KeyObject, options: { uris?: string[]; dns?: string[]; sigOid?: string; digest?: string; spki?: Uint8Array; subject?: Uint8Array; tamper?: boolean } = {}): Buffer {
  const spki = options.spki ?? createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const san = subjectAltName(options.uris ?? [], options.dns ?? []);
  const attributes = der.encodeContext(0, true, der.encodeSequence(oid(OID.extensionRequest), setOf(der.encodeSequence(san))));
  const info = der.encodeSequence(der.encodeInteger(0), options.subject ?? encodeName({ commonName: 'csr' }), spki, attributes);
  const isRsa = privateKey.asymmetricKeyType === 'rsa';
  const sigOid = options.sigOid ?? (isRsa ? OID.sha256WithRsa : OID.ecdsaWithSha256);
  const algorithm = isRsa ? der.encodeSequence(oid(sigOid), der.encodeNull()) : der.encodeSequence(oid(sigOid));
  const signature = sign(options.digest ?? 'sha256', info, privateKey);
  if (options.tamper) signature[signature.length - 1]! ^= 1;
  return der.encodeSequence(info, algorithm, der.encodeBitString(signature));
}


const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('parses an EC P-256 CSR: key, subject and SANs', () => {
  const csr = parseCsr(buildCsr(p256.privateKey, { uris: ['spiffe://example.org/w'], dns: ['w.example.org'] }));
  assert.equal(csr.keyType, 'ec-p256');
  assert.equal(csr.keyBits, 256);
  assert.deepEqual(csr.uris, ['spiffe://example.org/w']);
  assert.deepEqual(csr.dnsNames, ['w.example.org']);
  assert.deepEqual(csr.subject, [{ oid: OID.commonName, value: 'csr' }]);
  assert.deepEqual(Buffer.from(csr.spkiDer), p256.publicKey.export({ type: 'spki', format: 'der' }));
  assert.ok(csr.publicKey.equals(p256.publicKey));
});

test('parses P-384 and RSA CSRs', () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const a = parseCsr(buildCsr(p384.privateKey, { digest: 'sha384', sigOid: OID.ecdsaWithSha384 }));
  assert.equal(a.keyType, 'ec-p384');
  const b = parseCsr(buildCsr(rsa.privateKey));
  assert.equal(b.keyType, 'rsa');
  assert.equal(b.keyBits, 2048);
  assert.ok(b.publicKey.equals(rsa.publicKey));
});

test('accepts CSRs made by @peculiar/x509 and by openssl', async (t) => {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const made = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=peculiar, O=Example', keys, signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://example.org/p' }, { type: 'dns', value: 'p.example.org' }])],
  });
  const csr = parseCsr(new Uint8Array(made.rawData));
  assert.deepEqual(csr.uris, ['spiffe://example.org/p']);
  assert.deepEqual(csr.dnsNames, ['p.example.org']);
  if (!hasOpenssl()) return t.skip('openssl is not installed here');
  const dir = mkdtempSync(join(tmpdir(), 'tspire-csr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyPath = join(dir, 'key.pem');
  writeFileSync(keyPath, p256.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const run = spawnSync('openssl', ['req', '-new', '-key', keyPath, '-subj', '/O=SPIRE', '-addext', 'subjectAltName=URI:spiffe://example.org/o', '-outform', 'DER']);
  assert.equal(run.status, 0, run.stderr.toString());
  assert.deepEqual(parseCsr(run.stdout).uris, ['spiffe://example.org/o']);
});

test('a tampered signature is ERR_CA_BAD_CSR_SIGNATURE', () => {
  assert.throws(() => parseCsr(buildCsr(p256.privateKey, { tamper: true })), { code: 'ERR_CA_BAD_CSR_SIGNATURE' });
  // Signed by a different key than the one in the CSR.
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = other.publicKey.export({ type: 'spki', format: 'der' });
  assert.throws(() => parseCsr(buildCsr(p256.privateKey, { spki })), { code: 'ERR_CA_BAD_CSR_SIGNATURE' });
  // ECDSA signature algorithm on an RSA key.
  assert.throws(() => parseCsr(buildCsr(rsa.privateKey, { sigOid: OID.ecdsaWithSha256 })), (err: unknown) => err instanceof CaError && (err.code === 'ERR_CA_BAD_CSR_SIGNATURE' || err.code === 'ERR_CA_MALFORMED_CSR'));
});

test('unsupported keys and algorithms get their own codes', () => {
  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  assert.throws(() => parseCsr(buildCsr(p521.privateKey, { digest: 'sha512', sigOid: OID.ecdsaWithSha512 })), { code: 'ERR_CA_UNSUPPORTED_KEY_TYPE' });
  const ed = generateKeyPairSync('ed25519');
  const edSpki = ed.publicKey.export({ type: 'spki', format: 'der' });
  assert.throws(() => parseCsr(buildCsr(p256.privateKey, { spki: edSpki })), { code: 'ERR_CA_UNSUPPORTED_KEY_TYPE' });
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => parseCsr(buildCsr(small.privateKey)), /RSA key is 1024 bits/);
  assert.throws(() => parseCsr(buildCsr(p256.privateKey, { sigOid: '1.2.840.10045.4.1', digest: 'sha1' })), { code: 'ERR_CA_UNSUPPORTED_CSR_SIGNATURE_ALGORITHM' });
});

test('malformed DER and invalid points are ERR_CA_MALFORMED_CSR', () => {
  const good = buildCsr(p256.privateKey);
  const cases = [Buffer.alloc(0), good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])]), Buffer.from('3000', 'hex'), Buffer.from('not der')];
  for (const der of cases) assert.throws(() => parseCsr(der), { code: 'ERR_CA_MALFORMED_CSR' });
  // An uncompressed point that is not on the curve.
  const spki = Buffer.from(p256.publicKey.export({ type: 'spki', format: 'der' }));
  spki[spki.length - 1]! ^= 1;
  assert.throws(() => parseCsr(buildCsr(p256.privateKey, { spki })), { code: 'ERR_CA_MALFORMED_CSR' });
  // Version other than 0.
  const info = der.encodeSequence(der.encodeInteger(1), encodeName({}), spki, der.encodeContext(0, true));
  const bad = der.encodeSequence(info, der.encodeSequence(oid(OID.ecdsaWithSha256)), der.encodeBitString(sign('sha256', info, p256.privateKey)));
  assert.throws(() => parseCsr(bad), /version must be 0/);
});

test('the subject is decoded on first read from subjectDer; key and subject DER are views, not copies', () => {
  const name = encodeName({ country: ['US'], organization: ['SPIRE'], commonName: 'w.example.org' });
  const input = buildCsr(p256.privateKey, { subject: name });
  const csr = parseCsr(input);
  assert.deepEqual(Buffer.from(csr.subjectDer), name);
  assert.deepEqual(csr.subject, [
    { oid: OID.countryName, value: 'US' },
    { oid: OID.organizationName, value: 'SPIRE' },
    { oid: OID.commonName, value: 'w.example.org' },
  ]);
  assert.equal(csr.subject, csr.subject, 'decoded once, then kept');
  assert.equal(csr.spkiDer.buffer, input.buffer);
  assert.equal(csr.subjectDer.buffer, input.buffer);
  // An empty Name (SPIRE agents may send one) has no attributes.
  assert.deepEqual(parseCsr(buildCsr(p256.privateKey, { subject: der.encodeSequence() })).subject, []);
});

const tlv = (tag: number, ...values: Uint8Array[]): Buffer => der.encodeTlv(tag, ...values);
const SET = der.Tag.SET;
const atv = (...parts: Uint8Array[]): Buffer => der.encodeSequence(...parts);
const nameOf = (...atvs: Uint8Array[]): Buffer => der.encodeSequence(tlv(SET, ...atvs));
const cn = oid(OID.commonName);

test('subjects decodeName accepts still parse: BMP, Teletex, several attributes per RDN, extra fields', () => {
  const bmp = tlv(0x1e, Buffer.from('\u00e9t\u00e9', 'utf16le').swap16());
  const teletex = tlv(0x14, Buffer.from('caf\xe9', 'latin1'));
  const extra = atv(cn, tlv(der.Tag.UTF8_STRING, Buffer.from('x')), der.encodeNull());
  const name = der.encodeSequence(tlv(SET, atv(cn, bmp), atv(oid(OID.organizationName), teletex)), tlv(SET, extra));
  const csr = parseCsr(buildCsr(p256.privateKey, { subject: name }));
  assert.deepEqual(csr.subject.map((a) => a.value), ['\u00e9t\u00e9', 'caf\u00e9', 'x']);
});

test('a malformed subject is refused by parseCsr, as decodeName refuses it', () => {
  const printable = tlv(der.Tag.PRINTABLE_STRING, Buffer.from('a'));
  const cases: Array<[string, Buffer, RegExp]> = [
    ['RDN not a SET', der.encodeSequence(der.encodeSequence(atv(cn, printable))), /RelativeDistinguishedName/],
    ['attribute not a SEQUENCE', nameOf(tlv(SET, cn, printable)), /AttributeTypeAndValue/],
    ['empty attribute', nameOf(atv()), /attribute type is missing/],
    ['type not an OID', nameOf(atv(der.encodeInteger(3), printable)), /attribute type/],
    ['non-minimal OID', nameOf(atv(tlv(der.Tag.OID, Buffer.from([0x55, 0x80, 0x04])), printable)), /not minimal/],
    ['truncated OID', nameOf(atv(tlv(der.Tag.OID, Buffer.from([0x55, 0x84])), printable)), /ends inside/],
    ['value missing', nameOf(atv(cn)), /attribute value is missing/],
    ['UniversalString value', nameOf(atv(cn, tlv(0x1c, Buffer.alloc(4)))), /unsupported string tag 0x1c/],
    ['odd-length BMPString', nameOf(atv(cn, tlv(0x1e, Buffer.from([0, 0x41, 0])))), /bad BMPString/],
    ['bad framing after the value', nameOf(atv(cn, printable, Buffer.from([0x04, 0x05, 0x00]))), /runs past the end/],
    ['bad framing inside the Name', der.encodeSequence(Buffer.from([0x31, 0x7f])), /runs past the end/],
  ];
  for (const [label, name, message] of cases) {
    assert.throws(() => decodeName(der.readSingle(name)), (err: unknown) => err instanceof Error, `decodeName: ${label}`);
    assert.throws(() => parseCsr(buildCsr(p256.privateKey, { subject: name })), (err: unknown) => {
      assert.ok(err instanceof CaError && err.code === 'ERR_CA_MALFORMED_CSR', `${label}: ${String(err)}`);
      assert.match(err.message, message, label);
      return true;
    });
  }
});

test('compressed P-256 points go through SPKI import and still verify', () => {
  const point = Buffer.from(p256.publicKey.export({ type: 'spki', format: 'der' })).subarray(-65);
  const compressed = ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
  assert.equal(compressed.length, 33);
  const spki = der.encodeSequence(der.encodeSequence(oid(OID.ecPublicKey), oid(OID.prime256v1)), der.encodeBitString(compressed));
  const csr = parseCsr(buildCsr(p256.privateKey, { spki }));
  assert.equal(csr.keyType, 'ec-p256');
  assert.ok(csr.publicKey.equals(p256.publicKey));
  assert.deepEqual(Buffer.from(csr.spkiDer), spki);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => parseCsr(buildCsr(other.privateKey, { spki })), { code: 'ERR_CA_BAD_CSR_SIGNATURE' });
});
