import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoBool, parseGoFloat, parseGoInt } from './go-strconv.js';

test('parseGoInt follows strconv.ParseInt(s, 0, 64)', () => {
  const good: [string, number][] = [
    ['0', 0], ['42', 42], ['-42', -42], ['+7', 7], ['0x1f', 31], ['0X1F', 31], ['0o17', 15], ['017', 15], ['0b101', 5],
    ['1_000', 1000], ['0x_ff', 255], ['-0', 0],
  ];
  for (const [text, value] of good) assert.deepEqual(parseGoInt(text), { ok: true, value }, text);
  for (const text of ['', '-', 'abc', '1.5', '08', '0x', '_1', '1__0', '1_', ' 1', '1e3', '0b2']) {
    assert.deepEqual(parseGoInt(text), { ok: false, reason: 'parse error' }, text);
  }
  assert.deepEqual(parseGoInt('9007199254740993'), { ok: false, reason: 'value out of range' });
});

test('parseGoBool accepts exactly strconv.ParseBool forms', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.deepEqual(parseGoBool(t), { ok: true, value: true });
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.deepEqual(parseGoBool(f), { ok: true, value: false });
  for (const bad of ['yes', 'tRUE', '', ' true']) assert.equal(parseGoBool(bad).ok, false);
});

test('parseGoFloat', () => {
  assert.deepEqual(parseGoFloat('1.5'), { ok: true, value: 1.5 });
  assert.deepEqual(parseGoFloat('-2e3'), { ok: true, value: -2000 });
  assert.deepEqual(parseGoFloat('Inf'), { ok: true, value: Infinity });
  assert.equal(parseGoFloat('1.2.3').ok, false);
  assert.deepEqual(parseGoFloat('1e999'), { ok: false, reason: 'value out of range' });
});
