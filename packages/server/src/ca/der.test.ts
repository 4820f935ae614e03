// The CA builds and reads certificates with @tspire/spiffe's DER codec plus ./der-x509.ts;
// these tests pin the encodings and checks the CA relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { der } from '@tspire/spiffe';
import { encodeUnixTime, ia5String, isDerError, isPrintable, oid, printableString, readString, readUnixTime, setOf, tlv, utf8String } from './der-x509.js';
import { keyUsage } from './extensions.js';
import { parseCertificate } from './certificate-info.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('lengths use short form below 128 and minimal long forms above', () => {
  assert.equal(hex(der.encodeOctetString(new Uint8Array(3))), '0403000000');
  assert.equal(hex(der.encodeOctetString(new Uint8Array(127)).subarray(0, 2)), '047f');
  assert.equal(hex(der.encodeOctetString(new Uint8Array(128)).subarray(0, 3)), '048180');
  assert.equal(hex(der.encodeOctetString(new Uint8Array(256)).subarray(0, 4)), '04820100');
  assert.equal(hex(der.encodeOctetString(new Uint8Array(70000)).subarray(0, 5)), '0483011170');
  for (const size of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
    const el = der.readElement(der.encodeOctetString(new Uint8Array(size)), 0);
    assert.equal(el.end - el.valueStart, size);
  }
});

test('the hot-path tlv writes the same bytes as der.encodeTlv', () => {
  for (const size of [0, 5, 127, 128, 255, 256, 65535, 65536, 70000]) {
    const parts = [new Uint8Array(size).fill(7), Uint8Array.of(1, 2)];
    assert.deepEqual(tlv(0x30, ...parts), der.encodeTlv(0x30, ...parts), String(size));
  }
});

test('unsigned integers are minimal and positive', () => {
  assert.equal(hex(der.encodeInteger(Uint8Array.of(0, 0, 5))), '020105');
  assert.equal(hex(der.encodeInteger(Uint8Array.of(0x80))), '02020080');
  assert.equal(hex(der.encodeInteger(Uint8Array.of(0, 0x7f))), '02017f');
  assert.equal(hex(der.encodeInteger(new Uint8Array(4))), '020100');
  assert.equal(hex(der.encodeInteger(2)), '020102');
  assert.equal(hex(der.encodeInteger(65535n)), '020300ffff');
});

test('OIDs encode (cached) and decode', () => {
  assert.equal(hex(oid('1.2.840.10045.2.1')), '06072a8648ce3d0201');
  assert.equal(hex(oid('2.5.29.17')), '0603551d11');
  assert.equal(oid('2.5.29.17'), oid('2.5.29.17'), 'the same cached encoding');
  for (const dotted of ['1.2.840.113549.1.9.14', '1.3.6.1.5.5.7.3.2', '2.999.3', '0.9.2342.19200300.100.1.1']) {
    assert.equal(der.readOid(der.readElement(oid(dotted), 0)), dotted);
  }
  assert.throws(() => oid('1'), RangeError);
  assert.throws(() => oid('1.x'), RangeError);
});

test('times: UTCTime through 2049, GeneralizedTime from 2050, whole seconds', () => {
  const t2026 = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
  assert.equal(Buffer.from(encodeUnixTime(t2026)).toString('latin1').slice(2), '260102030405Z');
  assert.equal(encodeUnixTime(t2026)[0], der.Tag.UTC_TIME);
  const t2050 = Date.UTC(2050, 0, 1) / 1000;
  assert.equal(encodeUnixTime(t2050)[0], der.Tag.GENERALIZED_TIME);
  assert.equal(Buffer.from(encodeUnixTime(t2050)).toString('latin1').slice(2), '20500101000000Z');
  assert.equal(encodeUnixTime(Date.UTC(1949, 11, 31) / 1000)[0], der.Tag.GENERALIZED_TIME);
  for (const t of [t2026, t2050, t2026 + 0.9, Date.UTC(1950, 0, 1) / 1000, Date.UTC(2049, 11, 31, 23, 59, 59) / 1000, Date.UTC(1900, 5, 6) / 1000]) {
    assert.equal(readUnixTime(der.readElement(encodeUnixTime(t), 0)), Math.floor(t));
    assert.deepEqual(encodeUnixTime(t), der.encodeTime(new Date(Math.floor(t) * 1000)), 'same bytes as the shared codec');
  }
});

test('keyUsage bit strings drop trailing zero bits', () => {
  // digitalSignature+keyEncipherment+keyAgreement = bits 0,2,4 -> 0xa8 with 3 unused bits
  const leaf = keyUsage(['digitalSignature', 'keyEncipherment', 'keyAgreement']);
  assert.ok(hex(leaf).endsWith('030203a8'));
  const ca = keyUsage(['keyCertSign', 'cRLSign']);
  assert.ok(hex(ca).endsWith('03020106'));
});

test('strings: printable check, IA5 and UTF-8', () => {
  assert.ok(isPrintable("Acme Co. (US) 1-2"));
  assert.ok(!isPrintable('*.example.org'));
  assert.ok(!isPrintable('café'));
  assert.throws(() => printableString('a*b'), RangeError);
  assert.throws(() => ia5String('é'), RangeError);
  assert.equal(readString(der.readElement(utf8String('café'), 0)), 'café');
  assert.throws(() => readString(der.readElement(der.encodeInteger(1), 0)), (err: unknown) => isDerError(err) && /unsupported string tag 0x2/.test(err.message));
});

test('SET OF elements are sorted', () => {
  const set = setOf(der.encodeInteger(3), der.encodeInteger(1), der.encodeInteger(2));
  assert.deepEqual(der.readChildren(der.readElement(set, 0)).map((c) => der.readIntegerBytes(c)[0]), [1, 2, 3]);
});

test('reader rejects what DER forbids', () => {
  const bad: [string, string][] = [
    ['3080', 'indefinite'],
    ['048105' + '00'.repeat(5), 'short form'],
    ['04820005' + '00'.repeat(5), 'not minimal'],
    ['0405000000', 'runs past the end'],
    ['1f0100', 'high tag'],
    ['04', 'truncated'],
  ];
  for (const [bytes, message] of bad) {
    assert.throws(() => der.readElement(Buffer.from(bytes, 'hex'), 0), (err: unknown) => isDerError(err) && err.message.includes(message), bytes);
  }
  assert.throws(() => der.readSingle(Buffer.from('0400ff', 'hex'), 0x04, 'x'), /trailing data/);
  assert.throws(() => der.readIntegerBytes(der.readElement(Buffer.from('02020001', 'hex'), 0)), /not minimally encoded/);
  assert.throws(() => der.readBitString(der.readElement(Buffer.from('030108', 'hex'), 0)), /8 unused bits/);
  assert.throws(() => readUnixTime(der.readElement(der.encodeTlv(der.Tag.UTC_TIME, Buffer.from('2601020304Z')), 0)), /UTCTime must be/);
});

test('certificate parser reports malformed input with a typed error', () => {
  assert.throws(() => parseCertificate(Buffer.from('3003020101', 'hex')), { code: 'ERR_CA_MALFORMED_CERTIFICATE' });
  assert.throws(() => parseCertificate(Buffer.from('zz')), { code: 'ERR_CA_MALFORMED_CERTIFICATE' });
});
