import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSpiffeError } from '../errors.js';
import { createCa } from '../svid/testing/x509-fixtures.js';
import { splitConcatenatedDer } from './split.js';
import { encodeInteger, encodeOctetString, encodeSequence } from './writer.js';

const a = encodeSequence(encodeInteger(1));
const b = encodeSequence(encodeOctetString(Buffer.alloc(200)));

function refuse(input: Buffer, part: RegExp): void {
  assert.throws(() => splitConcatenatedDer(input), (err: unknown) => isSpiffeError(err, 'ERR_DER_MALFORMED') && part.test(err.message));
}

test('splitConcatenatedDer splits SEQUENCEs (short and long form lengths) without copying', () => {
  const input = Buffer.concat([a, b]);
  const parts = splitConcatenatedDer(input);
  assert.deepEqual(parts, [a, b]);
  assert.equal(parts[1]!.buffer, input.buffer, 'a view, not a copy');
  assert.deepEqual(splitConcatenatedDer(Buffer.alloc(0)), []);
});

test('splitConcatenatedDer splits real concatenated certificates exactly', async () => {
  const certs = [await createCa(), await createCa({ algorithm: 'P-384' })];
  const parts = splitConcatenatedDer(Buffer.concat(certs.map((c) => c.der)));
  assert.equal(parts.length, 2);
  parts.forEach((part, i) => assert.ok(part.equals(certs[i]!.der)));
});

test('splitConcatenatedDer refuses junk, naming the element and its byte offset', () => {
  refuse(Buffer.concat([a, b.subarray(0, b.length - 1)]), new RegExp(`element 1 at byte ${a.length}: .*runs past the end`));
  refuse(Buffer.concat([a, Buffer.of(0x30)]), /element 1 at byte 5: .*length is missing/);
  refuse(Buffer.concat([a, encodeOctetString(Buffer.of(1))]), /element 1 is not a SEQUENCE/);
  refuse(Buffer.of(0x30, 0x80, 0x00, 0x00), /element 0 at byte 0: .*indefinite length/);
  refuse(Buffer.of(0x1f, 0x81, 0x01, 0x00), /element 0 at byte 0: .*high tag/);
});
