import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpiffeError, isSpiffeError, quote, spiffeErrorCodeAreas, spiffeErrorCodes } from './errors.js';

describe('SpiffeError', () => {
  it('carries a name, a literal code and a message', () => {
    const err = new SpiffeError('ERR_ID_EMPTY', 'SPIFFE ID cannot be empty');
    assert.equal(err.name, 'SpiffeError');
    assert.equal(err.code, 'ERR_ID_EMPTY');
    assert.equal(err.message, 'SPIFFE ID cannot be empty');
    assert.ok(err instanceof SpiffeError);
    assert.ok(err instanceof Error);
    assert.match(String(err), /^SpiffeError: SPIFFE ID cannot be empty$/);
    assert.ok(err.stack?.includes('SpiffeError'));
  });

  it('keeps a cause, and has none unless given', () => {
    const cause = new Error('underlying');
    assert.equal(new SpiffeError('ERR_ID_NOT_AUTHORIZED', 'refused', { cause }).cause, cause);
    assert.equal('cause' in new SpiffeError('ERR_ID_NOT_AUTHORIZED', 'refused'), false);
  });

  it('narrows on code in a switch', () => {
    const err: SpiffeError = new SpiffeError('ERR_ID_HAS_PORT', 'port');
    let matched = '';
    switch (err.code) {
      case 'ERR_ID_HAS_PORT':
        matched = err.code;
        break;
      default:
        matched = 'other';
    }
    assert.equal(matched, 'ERR_ID_HAS_PORT');
  });
});

describe('isSpiffeError', () => {
  const err = new SpiffeError('ERR_ID_BAD_SCHEME', 'bad scheme');

  it('recognises a SpiffeError, optionally by code', () => {
    assert.equal(isSpiffeError(err), true);
    assert.equal(isSpiffeError(err, 'ERR_ID_BAD_SCHEME'), true);
    assert.equal(isSpiffeError(err, 'ERR_ID_EMPTY'), false);
  });

  it('rejects other values, including look-alikes', () => {
    for (const value of [new Error('x'), { name: 'SpiffeError', code: 'ERR_ID_BAD_SCHEME' }, 'ERR_ID_BAD_SCHEME', null, undefined]) {
      assert.equal(isSpiffeError(value), false);
      assert.equal(isSpiffeError(value, 'ERR_ID_BAD_SCHEME'), false);
    }
  });
});

describe('quote', () => {
  it('quotes short input as a JSON string, escaping control characters and quotes', () => {
    assert.equal(quote('spiffe://example.org'), '"spiffe://example.org"');
    assert.equal(quote('a"b\nc'), '"a\\"b\\nc"');
    assert.equal(quote(''), '""');
  });

  it('bounds long input and reports its length', () => {
    const long = 'x'.repeat(10_000);
    const quoted = quote(long);
    assert.ok(quoted.length < 300, `quoted length ${quoted.length}`);
    assert.equal(quoted, `"${'x'.repeat(256)}...(10000 chars)"`);
    assert.equal(quote('abcdef', 3), '"abc...(6 chars)"');
    assert.equal(quote('abc', 3), '"abc"');
  });
});

describe('spiffeErrorCodes', () => {
  it('is exactly the union of the areas, with no code defined by two areas', () => {
    const definedBy = new Map<string, string[]>();
    for (const [area, codes] of Object.entries(spiffeErrorCodeAreas)) {
      for (const code of Object.keys(codes)) definedBy.set(code, [...(definedBy.get(code) ?? []), area]);
    }
    const problems: string[] = [];
    for (const [code, areas] of definedBy) {
      if (areas.length > 1) problems.push(`${code} is defined in more than one area: src/${areas.join('/, src/')}/`);
      if (!(code in spiffeErrorCodes)) problems.push(`${code} (src/${areas[0]}/) is not merged into spiffeErrorCodes`);
    }
    for (const code of Object.keys(spiffeErrorCodes)) {
      if (!definedBy.has(code)) problems.push(`${code} is in spiffeErrorCodes but in no area of spiffeErrorCodeAreas (src/errors.ts)`);
    }
    assert.deepEqual(problems, []);
  });

  it('names every code ERR_* with a non-empty description', () => {
    for (const [code, description] of Object.entries(spiffeErrorCodes)) {
      assert.match(code, /^ERR_[A-Z0-9_]+$/);
      assert.equal(typeof description, 'string');
      assert.ok((description as string).length > 0, `${code} has no description`);
    }
  });
});
