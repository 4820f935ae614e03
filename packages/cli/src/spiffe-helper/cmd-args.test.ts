import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CmdArgsError, splitCmdArgs } from './cmd-args.js';

test('splits on single spaces, keeping empty fields as Go csv does', () => {
  assert.deepEqual(splitCmdArgs(''), []);
  assert.deepEqual(splitCmdArgs('-D /data -c ssl=on'), ['-D', '/data', '-c', 'ssl=on']);
  assert.deepEqual(splitCmdArgs('a  b'), ['a', '', 'b']);
  assert.deepEqual(splitCmdArgs('a '), ['a', '']);
});

test('quoted fields keep spaces and doubled quotes become one quote', () => {
  assert.deepEqual(splitCmdArgs('"hello world" x'), ['hello world', 'x']);
  assert.deepEqual(splitCmdArgs('"say ""hi""" end'), ['say "hi"', 'end']);
  assert.deepEqual(splitCmdArgs('""'), ['']);
  assert.deepEqual(splitCmdArgs('-c "listen_addresses=127.0.0.1"'), ['-c', 'listen_addresses=127.0.0.1']);
});

test('only the first record is used', () => {
  assert.deepEqual(splitCmdArgs('a b\nc d'), ['a', 'b']);
  assert.deepEqual(splitCmdArgs('\na b\r\n'), ['a', 'b']);
});

test('bad quoting is an error naming the column', () => {
  assert.throws(() => splitCmdArgs('a"b'), (err: unknown) => err instanceof CmdArgsError && /bare " .* column 2/.test(err.message));
  assert.throws(() => splitCmdArgs('"abc'), /missing closing "/);
  assert.throws(() => splitCmdArgs('"a"b c'), /extraneous or missing " .* column 4/);
});
