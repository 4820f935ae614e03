import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as W from './der-writer.js';
import { DerError, children, readBitString, readElement, readIntegerBytes, readOid, readRoot, readString, readTime } from './der-reader.js';
import { keyUsage } from './extensions.js';
import { parseCertificate } from './certificate-info.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('lengths use short form below 128 and minimal long forms above', () => {
  assert.equal(hex(W.octetString(new Uint8Array(3))), '0403000000');
  assert.equal(hex(W.octetString(new Uint8Array(127)).subarray(0, 2)), '047f');
  assert.equal(hex(W.octetString(new Uint8Array(128)).subarray(0, 3)), '048180');
  assert.equal(hex(W.octetString(new Uint8Array(256)).subarray(0, 4)), '04820100');
  assert.equal(hex(W.octetString(new Uint8Array(70000)).subarray(0, 5)), '0483011170');
  for (const size of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
    const el = readElement(W.octetString(new Uint8Array(size)), 0);
    assert.equal(el.end - el.start, size);
  }
});

test('unsigned integers are minimal and positive', () => {
  assert.equal(hex(W.unsignedInteger(Uint8Array.of(0, 0, 5))), '020105');
  assert.equal(hex(W.unsignedInteger(Uint8Array.of(0x80))), '02020080');
  assert.equal(hex(W.unsignedInteger(Uint8Array.of(0, 0x7f))), '02017f');
  assert.equal(hex(W.unsignedInteger(new Uint8Array(4))), '020100');
  assert.equal(hex(W.integer(2)), '020102');
  assert.equal(hex(W.integer(65535n)), '020300ffff');
  assert.throws(() => W.integer(-1), RangeError);
});

test('OIDs encode and decode', () => {
  assert.equal(hex(W.oid('1.2.840.10045.2.1')), '06072a8648ce3d0201');
  assert.equal(hex(W.oid('2.5.29.17')), '0603551d11');
  for (const dotted of ['1.2.840.113549.1.9.14', '1.3.6.1.5.5.7.3.2', '2.999.3', '0.9.2342.19200300.100.1.1']) {
    assert.equal(readOid(readElement(W.oid(dotted), 0)), dotted);
  }
  assert.throws(() => W.oid('1'), RangeError);
  assert.throws(() => W.oid('1.x'), RangeError);
});

test('times: UTCTime through 2049, GeneralizedTime from 2050, whole seconds', () => {
  const t2026 = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
  assert.equal(Buffer.from(W.time(t2026)).toString('latin1').slice(2), '260102030405Z');
  assert.equal(W.time(t2026)[0], W.TAG.UTC_TIME);
  const t2050 = Date.UTC(2050, 0, 1) / 1000;
  assert.equal(W.time(t2050)[0], W.TAG.GENERALIZED_TIME);
  assert.equal(Buffer.from(W.time(t2050)).toString('latin1').slice(2), '20500101000000Z');
  assert.equal(W.time(Date.UTC(1949, 11, 31) / 1000)[0], W.TAG.GENERALIZED_TIME);
  for (const t of [t2026, t2050, t2026 + 0.9]) assert.equal(readTime(readElement(W.time(t), 0)), Math.floor(t));
});

test('keyUsage bit strings drop trailing zero bits', () => {
  // digitalSignature+keyEncipherment+keyAgreement = bits 0,2,4 -> 0xa8 with 3 unused bits
  const leaf = keyUsage(['digitalSignature', 'keyEncipherment', 'keyAgreement']);
  assert.ok(hex(leaf).endsWith('030203a8'));
  const ca = keyUsage(['keyCertSign', 'cRLSign']);
  assert.ok(hex(ca).endsWith('03020106'));
});

test('strings: printable check, IA5 and UTF-8', () => {
  assert.ok(W.isPrintable("Acme Co. (US) 1-2"));
  assert.ok(!W.isPrintable('*.example.org'));
  assert.ok(!W.isPrintable('café'));
  assert.throws(() => W.printableString('a*b'), RangeError);
  assert.throws(() => W.ia5String('é'), RangeError);
  assert.equal(readString(readElement(W.utf8String('café'), 0)), 'café');
});

test('SET OF elements are sorted', () => {
  const set = W.setOf(W.integer(3), W.integer(1), W.integer(2));
  assert.deepEqual(children(readElement(set, 0)).map((c) => readIntegerBytes(c)[0]), [1, 2, 3]);
});

test('reader rejects what DER forbids', () => {
  const bad: [string, string][] = [
    ['3080', 'indefinite'],
    ['048105' + '00'.repeat(5), 'non-minimal'],
    ['04820005' + '00'.repeat(5), 'non-minimal'],
    ['0405000000', 'past its container'],
    ['1f0100', 'high tag'],
    ['04', 'truncated'],
  ];
  for (const [bytes, message] of bad) {
    assert.throws(() => readElement(Buffer.from(bytes, 'hex'), 0), (err: unknown) => err instanceof DerError && err.message.includes(message), bytes);
  }
  assert.throws(() => readRoot(Buffer.from('0400ff', 'hex'), 0x04, 'x'), /trailing data/);
  assert.throws(() => readIntegerBytes(readElement(Buffer.from('02020001', 'hex'), 0)), /non-minimal/);
  assert.throws(() => readBitString(readElement(Buffer.from('030108', 'hex'), 0)), /bad BIT STRING/);
  assert.throws(() => readTime(readElement(Buffer.from(W.tlv(W.TAG.UTC_TIME, Buffer.from('2601020304Z'))), 0)), /bad time/);
});

test('certificate parser reports malformed input with a typed error', () => {
  assert.throws(() => parseCertificate(Buffer.from('3003020101', 'hex')), { code: 'ERR_CA_MALFORMED_CERTIFICATE' });
  assert.throws(() => parseCertificate(Buffer.from('zz')), { code: 'ERR_CA_MALFORMED_CERTIFICATE' });
});
