import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, formatGoDurationNs, parseGoDuration, parseGoDurationNs } from './duration.js';
import { isTspireError } from './errors/tspire-error.js';

test('parses Go durations to milliseconds', () => {
  const cases: [string, number][] = [
    ['1h30m', 5_400_000], ['90s', 90_000], ['720h', 2_592_000_000], ['1.5h', 5_400_000], ['300ms', 300],
    ['-5m', -300_000], ['+5s', 5_000], ['0', 0], ['-0', 0], ['0s', 0], ['1h1m1s1ms', 3_661_001], ['.5s', 500],
    ['5.s', 5_000], ['1500us', 1.5], ['1500\u00b5s', 1.5], ['2\u03bcs', 0.002], ['100ns', 0.0001], ['1m0.25s', 60_250],
  ];
  for (const [input, ms] of cases) assert.equal(parseGoDuration(input), ms, input);
  assert.equal(parseGoDurationNs('1.0000000001s'), 1_000_000_000n); // sub-ns truncated like Go
});

test('rejects malformed durations with Go messages', () => {
  const cases: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['abc', 'time: invalid duration "abc"'],
    ['1', 'time: missing unit in duration "1"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1h 30m', 'time: unknown unit "h " in duration "1h 30m"'],
    ['.s', 'time: invalid duration ".s"'],
    ['-', 'time: invalid duration "-"'],
    ['9999999999h', 'time: invalid duration "9999999999h"'],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseGoDuration(input), (err: unknown) => isTspireError(err, 'ERR_CONFIG_INVALID_DURATION') && err.message === message, input);
  }
});

test("formats like Go's Duration.String()", () => {
  const cases: [number, string][] = [
    [0, '0s'], [2_592_000_000, '720h0m0s'], [90_000, '1m30s'], [500, '500ms'], [1_500, '1.5s'], [3_600_000, '1h0m0s'],
    [-300_000, '-5m0s'], [0.0015, '1.5\u00b5s'], [0.0001, '100ns'], [61_001, '1m1.001s'], [86_400_000 * 3 + 1, '72h0m0.001s'],
    [0.25, '250\u00b5s'], [1, '1ms'],
  ];
  for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
  assert.equal(formatGoDurationNs(1n), '1ns');
  for (const text of ['720h0m0s', '1m30s', '1.5s', '500ms', '2h3m4.5s']) assert.equal(formatGoDuration(parseGoDuration(text)), text);
});
