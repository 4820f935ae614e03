import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSpiffeError } from '../errors.js';
import {
  DerCursor,
  Tag,
  bitAt,
  contextTag,
  readBitString,
  readBoolean,
  readChildren,
  readElement,
  readInteger,
  readIntegerBytes,
  readNull,
  readOctetString,
  readOid,
  readSingle,
  readSmallInteger,
  valueOf,
} from './reader.js';
import { readTime } from './time.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function assertMalformed(fn: () => unknown, messagePart: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSpiffeError(err, 'ERR_DER_MALFORMED'), `expected ERR_DER_MALFORMED, got ${String(err)}`);
    assert.match(err.message, messagePart);
    return true;
  });
}

test('readElement reads short and long form lengths', () => {
  const short = readElement(hex('04 03 010203'));
  assert.deepEqual([short.tag, short.valueStart, short.end], [0x04, 2, 5]);
  const long = readElement(Buffer.concat([hex('04 81 80'), Buffer.alloc(0x80, 7)]));
  assert.deepEqual([long.valueStart, long.end], [3, 0x83]);
  const longer = readElement(Buffer.concat([hex('04 82 0100'), Buffer.alloc(0x100)]));
  assert.deepEqual([longer.valueStart, longer.end], [4, 0x104]);
});

test('readElement refuses truncated input, bad lengths and high tags', () => {
  assertMalformed(() => readElement(hex('')), /missing/);
  assertMalformed(() => readElement(hex('04')), /length is missing/);
  assertMalformed(() => readElement(hex('04 05 0102')), /runs past the end/);
  assertMalformed(() => readElement(hex('30 80 0000')), /indefinite length/);
  assertMalformed(() => readElement(hex('04 81 05 0102030405')), /short form/);
  assertMalformed(() => readElement(hex('04 82 0005 0102030405')), /leading zero/);
  assertMalformed(() => readElement(hex('04 85 0100000000')), /too large/);
  assertMalformed(() => readElement(hex('04 82 01')), /length is truncated/);
  assertMalformed(() => readElement(hex('1f 01 00')), /high tag/);
  assertMalformed(() => readElement(hex('04 84 7fffffff 00')), /runs past the end/);
});

test('readSingle refuses trailing data and a wrong tag', () => {
  assert.equal(readSingle(hex('05 00'), Tag.NULL).end, 2);
  assertMalformed(() => readSingle(hex('05 00 00')), /1 octets of trailing data/);
  assertMalformed(() => readSingle(hex('04 00'), Tag.SEQUENCE, 'certificate'), /expected certificate \(tag 0x30\) but found tag 0x04/);
});

test('children must fit inside their parent', () => {
  const seq = readSingle(hex('30 06 0201 05 0101ff'));
  const children = readChildren(seq);
  assert.deepEqual(children.map((c) => c.tag), [Tag.INTEGER, Tag.BOOLEAN]);
  assert.equal(readSmallInteger(children[0]!), 5);
  assert.equal(readBoolean(children[1]!), true);
  // The inner length (5) is inside the buffer but runs past the outer SEQUENCE (4 octets).
  assertMalformed(() => readChildren(readElement(hex('30 04 0405 010203 0405')), ), /runs past the end/);
  assertMalformed(() => readChildren(readElement(hex('04 01 00'))), /primitive/);
});

test('DerCursor reads optional fields in order and checks the end', () => {
  const seq = readSingle(hex('30 0a a0 03 020102 0201 07 0500'));
  const cursor = new DerCursor(seq);
  const version = cursor.optional(contextTag(0, true));
  assert.ok(version);
  assert.equal(readSmallInteger(readChildren(version)[0]!), 2);
  assert.equal(cursor.optional(contextTag(1, false)), undefined);
  assert.equal(readSmallInteger(cursor.next(Tag.INTEGER, 'serial')), 7);
  assertMalformed(() => cursor.finish('thing'), /unexpected data after the last field of thing/);
  readNull(cursor.next(Tag.NULL));
  cursor.finish('thing');
  assertMalformed(() => cursor.next(Tag.INTEGER, 'extra'), /extra is missing/);
});

test('readOid decodes dotted strings, including huge arcs', () => {
  assert.equal(readOid(readSingle(hex('06 03 551d11'))), '2.5.29.17');
  assert.equal(readOid(readSingle(hex('06 08 2a8648ce3d030107'))), '1.2.840.10045.3.1.7');
  assert.equal(readOid(readSingle(hex('06 09 2b0601040182371402'))), '1.3.6.1.4.1.311.20.2');
  // 2.25.<128-bit uuid>
  const uuidOid = hex('06 14 6983 f09d a7ce f3a0 ba94 c789 e5c8 ac97 d0b3 ba71'.replace(/ /g, ''));
  assert.match(readOid(readSingle(uuidOid)), /^2\.25\.\d{30,}$/);
  assertMalformed(() => readOid(readSingle(hex('06 00'))), /empty/);
  assertMalformed(() => readOid(readSingle(hex('06 02 2a86'))), /ends inside/);
  assertMalformed(() => readOid(readSingle(hex('06 03 2a8001'))), /not minimal/);
  assertMalformed(() => readOid(readSingle(hex('04 01 2a'))), /OBJECT IDENTIFIER/);
});

test('INTEGER: signed values, raw octets, minimal encoding', () => {
  assert.equal(readInteger(readSingle(hex('02 01 00'))), 0n);
  assert.equal(readInteger(readSingle(hex('02 01 7f'))), 127n);
  assert.equal(readInteger(readSingle(hex('02 02 0080'))), 128n);
  assert.equal(readInteger(readSingle(hex('02 01 ff'))), -1n);
  assert.equal(readInteger(readSingle(hex('02 02 ff7f'))), -129n);
  assert.equal(readInteger(readSingle(hex('02 09 00ffffffffffffffff'))), 2n ** 64n - 1n);
  assert.deepEqual(readIntegerBytes(readSingle(hex('02 03 00ff01'))), hex('00ff01'));
  assertMalformed(() => readInteger(readSingle(hex('02 00'))), /no value/);
  assertMalformed(() => readInteger(readSingle(hex('02 02 0001'))), /not minimally/);
  assertMalformed(() => readInteger(readSingle(hex('02 02 ff80'))), /not minimally/);
  assertMalformed(() => readSmallInteger(readSingle(hex('02 07 01000000000000'))), /too large/);
});

test('BOOLEAN must be exactly 0x00 or 0xff', () => {
  assert.equal(readBoolean(readSingle(hex('01 01 00'))), false);
  assertMalformed(() => readBoolean(readSingle(hex('01 01 01'))), /0x00 or 0xff/);
  assertMalformed(() => readBoolean(readSingle(hex('01 02 ff ff'))), /one octet/);
});

test('BIT STRING: unused bits are bounded and zero', () => {
  const keyUsage = readBitString(readSingle(hex('03 02 05 a0')));
  assert.equal(keyUsage.unusedBits, 5);
  assert.deepEqual([0, 1, 2, 3].map((i) => bitAt(keyUsage, i)), [true, false, true, false]);
  assert.equal(bitAt(keyUsage, 8), false);
  const twoOctets = readBitString(readSingle(hex('03 03 07 0080')));
  assert.equal(bitAt(twoOctets, 8), true);
  assertMalformed(() => readBitString(readSingle(hex('03 00'))), /unused-bits octet/);
  assertMalformed(() => readBitString(readSingle(hex('03 02 08 00'))), /at most 7/);
  assertMalformed(() => readBitString(readSingle(hex('03 01 01'))), /empty BIT STRING/);
  assertMalformed(() => readBitString(readSingle(hex('03 02 01 01'))), /not zero/);
});

test('OCTET STRING and NULL', () => {
  assert.deepEqual(readOctetString(readSingle(hex('04 02 abcd'))), hex('abcd'));
  assertMalformed(() => readNull(readSingle(hex('05 01 00'))), /empty/);
  // A view, not a copy: same memory as the input.
  const input = hex('04 02 abcd');
  const view = valueOf(readSingle(input));
  input[2] = 0x11;
  assert.equal(view[0], 0x11);
});

test('UTCTime and GeneralizedTime in their DER forms', () => {
  const utc = (text: string): Buffer => Buffer.concat([Buffer.of(Tag.UTC_TIME, text.length), Buffer.from(text)]);
  const gen = (text: string): Buffer => Buffer.concat([Buffer.of(Tag.GENERALIZED_TIME, text.length), Buffer.from(text)]);
  assert.equal(readTime(readSingle(utc('300102030405Z'))).toISOString(), '2030-01-02T03:04:05.000Z');
  assert.equal(readTime(readSingle(utc('500101000000Z'))).toISOString(), '1950-01-01T00:00:00.000Z');
  assert.equal(readTime(readSingle(gen('20500101000000Z'))).toISOString(), '2050-01-01T00:00:00.000Z');
  assert.equal(readTime(readSingle(gen('20240229235959.5Z'))).toISOString(), '2024-02-29T23:59:59.500Z');
  assert.equal(readTime(readSingle(gen('00050101000000Z'))).getUTCFullYear(), 5);
  assertMalformed(() => readTime(readSingle(utc('3001020304Z'))), /YYMMDDHHMMSSZ/);
  assertMalformed(() => readTime(readSingle(utc('300102030405+0100'))), /YYMMDDHHMMSSZ/);
  assertMalformed(() => readTime(readSingle(utc('301302030405Z'))), /out of range/);
  assertMalformed(() => readTime(readSingle(gen('20230229000000Z'))), /out of range/);
  assertMalformed(() => readTime(readSingle(gen('20240101246000Z'))), /out of range/);
  assertMalformed(() => readTime(readSingle(gen('2024010100000aZ'))), /non-digit/);
  assertMalformed(() => readTime(readSingle(gen('20240101000000.50Z'))), /trailing zeros/);
  assertMalformed(() => readTime(readSingle(gen('20240101000000'))), /GeneralizedTime/);
  assertMalformed(() => readTime(readSingle(hex('04 00'))), /UTCTime or GeneralizedTime/);
});
