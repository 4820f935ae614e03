import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tag, readBitString, readBoolean, readChildren, readInteger, readOctetString, readOid, readSingle } from './reader.js';
import { readTime } from './time.js';
import {
  encodeBitString,
  encodeBoolean,
  encodeContext,
  encodeGeneralizedTime,
  encodeInteger,
  encodeLength,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTime,
  encodeTlv,
  encodeUtcTime,
} from './writer.js';

test('encodeLength uses the shortest form', () => {
  assert.equal(encodeLength(0).toString('hex'), '00');
  assert.equal(encodeLength(127).toString('hex'), '7f');
  assert.equal(encodeLength(128).toString('hex'), '8180');
  assert.equal(encodeLength(300).toString('hex'), '82012c');
  assert.equal(encodeLength(0x1000000).toString('hex'), '8401000000');
  assert.throws(() => encodeLength(-1), RangeError);
});

test('encodeTlv output reads back through the strict reader', () => {
  for (const size of [0, 1, 127, 128, 255, 256, 70000]) {
    const value = Buffer.alloc(size, 0x5a);
    const element = readSingle(encodeTlv(Tag.OCTET_STRING, value.subarray(0, size >> 1), value.subarray(size >> 1)));
    assert.deepEqual(readOctetString(element), value);
  }
});

test('INTEGER round-trips signed values and unsigned magnitudes', () => {
  for (const n of [0n, 1n, 127n, 128n, 255n, 256n, -1n, -128n, -129n, 2n ** 127n, -(2n ** 64n)]) {
    assert.equal(readInteger(readSingle(encodeInteger(n))), n, `value ${n}`);
  }
  assert.equal(encodeInteger(128).toString('hex'), '02020080');
  assert.equal(encodeInteger(Buffer.from('00ff', 'hex')).toString('hex'), '020200ff');
  assert.equal(encodeInteger(Buffer.from('000001', 'hex')).toString('hex'), '020101');
  assert.equal(encodeInteger(new Uint8Array(0)).toString('hex'), '020100');
});

test('OID, BOOLEAN, NULL, BIT STRING and context tags round-trip', () => {
  for (const oid of ['2.5.29.17', '1.2.840.113549.1.1.11', '0.9.2342.19200300.100.1.1', '2.25.329800735698586629295641978511506172918', '2.999.1']) {
    assert.equal(readOid(readSingle(encodeOid(oid))), oid);
  }
  assert.throws(() => encodeOid('1.40'), RangeError);
  assert.throws(() => encodeOid('3.1'), RangeError);
  assert.throws(() => encodeOid('1.2.03'), RangeError);
  assert.equal(readBoolean(readSingle(encodeBoolean(true))), true);
  assert.equal(encodeNull().toString('hex'), '0500');
  const bits = readBitString(readSingle(encodeBitString(Buffer.of(0x86), 1)));
  assert.deepEqual([bits.unusedBits, bits.bytes[0]], [1, 0x86]);
  assert.throws(() => encodeBitString(Buffer.alloc(0), 3), RangeError);
  const explicit = readSingle(encodeContext(3, true, encodeSequence(encodeOctetString(Buffer.of(1)))));
  assert.equal(explicit.tag, 0xa3);
  assert.equal(readChildren(explicit).length, 1);
  assert.equal(encodeContext(6, false, Buffer.from('spiffe://x/y'))[0], 0x86);
});

test('times: UTCTime before 2050, GeneralizedTime after (RFC 5280)', () => {
  const before = new Date('2049-12-31T23:59:59.999Z');
  const after = new Date('2050-01-01T00:00:00Z');
  assert.equal(encodeTime(before)[0], Tag.UTC_TIME);
  assert.equal(encodeTime(after)[0], Tag.GENERALIZED_TIME);
  assert.equal(readTime(readSingle(encodeTime(before))).toISOString(), '2049-12-31T23:59:59.000Z');
  assert.equal(readTime(readSingle(encodeTime(after))).toISOString(), '2050-01-01T00:00:00.000Z');
  assert.equal(encodeUtcTime(new Date('1999-05-06T07:08:09Z')).subarray(2).toString(), '990506070809Z');
  assert.equal(encodeGeneralizedTime(new Date('1999-05-06T07:08:09Z')).subarray(2).toString(), '19990506070809Z');
  assert.throws(() => encodeUtcTime(after), RangeError);
  assert.throws(() => encodeTime(new Date(Number.NaN)), RangeError);
});
