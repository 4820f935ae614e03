import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitDer } from './der-split.js';
import { isSpiffeError } from '../errors.js';
import { makeCaCert } from './test-certs.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

function assertBadDer(input: Uint8Array, fragment: string): void {
  assert.throws(
    () => splitDer(input),
    (err: unknown) => isSpiffeError(err, 'ERR_BUNDLE_BAD_DER') && err.message.includes(fragment),
  );
}

describe('splitDer', () => {
  it('gives no elements for empty input', () => {
    assert.deepEqual(splitDer(new Uint8Array()), []);
  });

  it('splits short-form elements back to back', () => {
    const parts = splitDer(bytes(0x30, 0x02, 0x05, 0x00, 0x04, 0x01, 0xaa, 0x05, 0x00));
    assert.deepEqual(parts.map((p) => [...p]), [[0x30, 0x02, 0x05, 0x00], [0x04, 0x01, 0xaa], [0x05, 0x00]]);
  });

  it('reads long-form lengths', () => {
    const content = new Uint8Array(300).fill(7);
    const element = new Uint8Array([0x04, 0x82, 0x01, 0x2c, ...content]);
    const parts = splitDer(new Uint8Array([...element, 0x05, 0x00]));
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.length, 304);
    assert.deepEqual([...parts[1]!], [0x05, 0x00]);
  });

  it('splits real concatenated certificates exactly', async () => {
    const certs = [await makeCaCert('a.test'), await makeCaCert('b.test', 'ec-p384')];
    const parts = splitDer(Buffer.concat(certs.map((c) => c.raw)));
    assert.equal(parts.length, 2);
    parts.forEach((part, i) => assert.ok(Buffer.from(part).equals(certs[i]!.raw)));
  });

  it('refuses truncated content, naming the offset', () => {
    assertBadDer(bytes(0x05, 0x00, 0x30, 0x05, 0x01), 'at byte 2');
    assertBadDer(bytes(0x30, 0x05, 0x01), 'needs 5 content bytes');
  });

  it('refuses input ending inside a tag or length', () => {
    assertBadDer(bytes(0x30), 'ends inside the length');
    assertBadDer(bytes(0x30, 0x82, 0x01), 'ends inside the length');
  });

  it('refuses indefinite, non-minimal and oversized lengths', () => {
    assertBadDer(bytes(0x30, 0x80, 0x00, 0x00), 'indefinite');
    assertBadDer(bytes(0x30, 0x81, 0x05, 1, 2, 3, 4, 5), 'not minimal');
    assertBadDer(bytes(0x30, 0x82, 0x00, 0x90), 'leading zero');
    assertBadDer(bytes(0x30, 0x85, 1, 1, 1, 1, 1), 'too long');
  });

  it('refuses high-tag-number form', () => {
    assertBadDer(bytes(0x1f, 0x81, 0x01, 0x00), 'high-tag-number');
  });
});
