import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonObject, rawTopLevelNumber } from './json-input.js';
import { isSpiffeError } from '../errors.js';

describe('parseJsonObject', () => {
  it('parses text and UTF-8 bytes', () => {
    assert.deepEqual(parseJsonObject('{"a":1}', 'x').value, { a: 1 });
    assert.deepEqual(parseJsonObject(new TextEncoder().encode('{"é":true}'), 'x').value, { é: true });
  });

  it('refuses invalid UTF-8, invalid JSON and non-objects, naming the input', () => {
    const cases: [string | Uint8Array, string][] = [
      [new Uint8Array([0x7b, 0xff, 0x7d]), 'not valid UTF-8'],
      ['{"a":', 'not valid JSON'],
      ['[1,2]', 'must be a JSON object'],
      ['null', 'must be a JSON object'],
    ];
    for (const [input, fragment] of cases) {
      assert.throws(() => parseJsonObject(input, 'SPIFFE bundle'), (err: unknown) =>
        isSpiffeError(err, 'ERR_BUNDLE_BAD_JSON') && err.message.startsWith('SPIFFE bundle') && err.message.includes(fragment),
      );
    }
  });
});

describe('rawTopLevelNumber', () => {
  it('returns the exact source text of a top-level number beyond 2^53', () => {
    assert.equal(rawTopLevelNumber('{"keys":[],"spiffe_sequence":18446744073709551615}', 'spiffe_sequence'), '18446744073709551615');
  });

  it('ignores nested members and strings that look like the name', () => {
    const text = '{"x":{"spiffe_sequence":1},"y":["spiffe_sequence",2],"s":"\\"spiffe_sequence\\":3","spiffe_sequence" : 4}';
    assert.equal(rawTopLevelNumber(text, 'spiffe_sequence'), '4');
  });

  it('takes the last occurrence, as JSON.parse does', () => {
    assert.equal(rawTopLevelNumber('{"n":1,"n":2}', 'n'), '2');
    assert.equal(rawTopLevelNumber('{"n":1,"n":"x"}', 'n'), undefined);
  });

  it('keeps fractions and exponents so callers can refuse them', () => {
    assert.equal(rawTopLevelNumber('{"n":1.5}', 'n'), '1.5');
    assert.equal(rawTopLevelNumber('{"n":-1e3}', 'n'), '-1e3');
  });

  it('matches escaped member names', () => {
    assert.equal(rawTopLevelNumber('{"\\u006e":7}', 'n'), '7');
  });
});
