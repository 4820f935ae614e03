import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePem as decodeWith, decodeStrictBase64, encodePem, type PemBlock } from './pem.js';
import { isSpiffeError } from '../errors.js';

/** The bundle's use: its own error code, empty results allowed. */
const decodePem = (text: string): PemBlock[] => decodeWith(text, { code: 'ERR_BUNDLE_BAD_PEM', what: 'X.509 bundle' });

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

describe('PEM with caller options', () => {
  const svidOptions = { code: 'ERR_X509_BAD_PEM', what: 'certificates' } as const;
  const fails = (input: string, part: RegExp, requireBlock = false): void => {
    assert.throws(
      () => decodeWith(input, { ...svidOptions, requireBlock }),
      (err: unknown) => isSpiffeError(err, 'ERR_X509_BAD_PEM') && err.message.startsWith('certificates: ') && part.test(err.message),
    );
  };

  it('fails on no blocks only when a block is required', () => {
    assert.deepEqual(decodeWith('', svidOptions), []);
    fails('', /no PEM blocks found/, true);
    fails('just text\n', /no PEM blocks found/, true);
  });

  it('names a mismatched END, a missing END and a BEGIN inside a block', () => {
    fails('-----BEGIN A-----\nAQID\n-----END B-----\n', /block 1 \("A"\) begins as "A" but ends as "B"/);
    fails(`${encodePem('A', new Uint8Array([1]))}-----BEGIN B-----\nAQID\n`, /block 2 \("B"\) has no matching END/);
    fails('-----BEGIN A-----\nAQID\n-----BEGIN B-----\nAQID\n-----END B-----\n', /block 1 \("A"\) has no matching END/);
  });

  it('marks blocks with RFC 1421 headers and reads bytes as latin1 text', () => {
    const text = '-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END EC PRIVATE KEY-----\n' + encodePem('X', new Uint8Array([9]));
    const blocks = decodeWith(Buffer.from(text, 'latin1'), svidOptions);
    assert.deepEqual(blocks.map((b) => [b.type, b.hasHeaders, [...b.bytes]]), [['EC PRIVATE KEY', true, [1, 2, 3]], ['X', false, [9]]]);
  });

  it('encodes empty bytes as an empty block that decodes back', () => {
    const pem = encodePem('EMPTY', new Uint8Array());
    assert.equal(pem, '-----BEGIN EMPTY-----\n-----END EMPTY-----\n');
    assert.deepEqual([...decodeWith(pem, svidOptions)[0]!.bytes], []);
  });
});
