import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePem, decodeStrictBase64, encodePem } from './pem.js';
import { isSpiffeError } from '../errors.js';

describe('PEM', () => {
  it('round-trips blocks with 64-character lines', () => {
    const data = new Uint8Array(100).map((_, i) => i);
    const pem = encodePem('CERTIFICATE', data);
    const lines = pem.trimEnd().split('\n');
    assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
    assert.equal(lines[1]!.length, 64);
    assert.equal(lines.at(-1), '-----END CERTIFICATE-----');
    const [block] = decodePem(pem);
    assert.equal(block?.type, 'CERTIFICATE');
    assert.deepEqual([...block!.bytes], [...data]);
  });

  it('keeps block order and types, ignoring text between blocks and CRLF endings', () => {
    const text = `junk\r\n${encodePem('PRIVATE KEY', new Uint8Array([1]))}between\n${encodePem('CERTIFICATE', new Uint8Array([2, 3]))}`.replace(/\n/g, '\r\n');
    const blocks = decodePem(text);
    assert.deepEqual(blocks.map((b) => [b.type, [...b.bytes]]), [['PRIVATE KEY', [1]], ['CERTIFICATE', [2, 3]]]);
  });

  it('skips RFC 1421 headers inside a block', () => {
    const text = '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: x\n\nAQID\n-----END CERTIFICATE-----\n';
    assert.deepEqual([...decodePem(text)[0]!.bytes], [1, 2, 3]);
  });

  it('gives no blocks for text without PEM', () => {
    assert.deepEqual(decodePem('hello\nworld'), []);
  });

  it('refuses a block without its END line', () => {
    assert.throws(
      () => decodePem('-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n'),
      (err: unknown) => isSpiffeError(err, 'ERR_BUNDLE_BAD_PEM') && err.message.includes('END CERTIFICATE'),
    );
  });

  it('refuses bad base64 in a block', () => {
    for (const body of ['AQI*', 'AQI', 'A===']) {
      assert.throws(() => decodePem(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`), (err: unknown) =>
        isSpiffeError(err, 'ERR_BUNDLE_BAD_PEM'),
      );
    }
  });

  it('decodes strict base64 only', () => {
    assert.deepEqual([...decodeStrictBase64('AQID')!], [1, 2, 3]);
    assert.deepEqual([...decodeStrictBase64('AQ==')!], [1]);
    assert.equal(decodeStrictBase64('AQ'), undefined, 'padding required');
    assert.equal(decodeStrictBase64('A-_B'), undefined, 'base64url alphabet refused');
    assert.equal(decodeStrictBase64('AQ\nID'), undefined, 'no line breaks');
  });
});
