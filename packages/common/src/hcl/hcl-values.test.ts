import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText, parseHcl } from './index.js';

const value = (text: string): unknown => loadConfigText(`v = ${text}`)['v'];

test('string escapes', () => {
  assert.equal(value(String.raw`"a\nb\tc\"d\\e"`), 'a\nb\tc"d\\e');
  assert.equal(value(String.raw`"\u00e9\U0001F600\x41\101\/"`), '\u00e9\u{1F600}AA/');
  assert.equal(value('"${env.X} and ${f("q")}"'), '${env.X} and ${f("q")}');
  assert.equal(value('""'), '');
});

test('heredocs, plain and indented', () => {
  assert.equal(value('<<EOF\nline 1\n  line 2\nEOF\n'), 'line 1\n  line 2\n');
  assert.equal(value('<<-EOT\n    a\n      b\n    EOT\n'), 'a\n  b\n');
  // Indented form keeps the text when a line is less indented than the closing anchor.
  assert.equal(value('<<-EOT\n    a\n  b\n    EOT\n'), '    a\n  b\n');
  // The closing anchor must stand alone on its line.
  assert.equal(value('<<EOF\nEOF2\nEOF'), 'EOF2\n');
  assert.equal(value('<<EOF\nEOF'), '');
  assert.equal(value('<<EOF\r\nwin\r\nEOF\r\n'), 'win\r\n');
});

test('numbers: int, float, negative, hex, octal, exponent', () => {
  assert.equal(value('42'), 42);
  assert.equal(value('-7'), -7);
  assert.equal(value('1.5'), 1.5);
  assert.equal(value('-0.25'), -0.25);
  assert.equal(value('1e3'), 1000);
  assert.equal(value('0x1F'), 31);
  assert.equal(value('0644'), 420);
  assert.equal(value('0'), 0);
  const node = parseHcl('v = 0x1F').items[0]?.value;
  assert.equal(node?.type === 'number' ? node.raw : undefined, '0x1F');
  assert.throws(() => value('99999999999999999999'), /out of range/);
});

test('booleans and nested lists', () => {
  assert.equal(value('true'), true);
  assert.equal(value('false'), false);
  assert.deepEqual(value('[]'), []);
  assert.deepEqual(value('[1, [2, [3,]], "x", {a = 1}]'), [1, [2, [3]], 'x', { a: 1 }]);
  assert.deepEqual(value('[\n  "a", # first\n  "b", // second\n  /* c */\n]'), ['a', 'b']);
});

test('comments of all three kinds', () => {
  const cfg = loadConfigText('# hash\n// slashes\n/* block\n spanning */ a = 1 /* inline */ b = 2 # tail');
  assert.deepEqual(cfg, { a: 1, b: 2 });
});

test('identifiers may contain dashes and dots; quoted keys may contain anything', () => {
  assert.deepEqual(loadConfigText('a-b.c = 1\n"x y" = 2'), { 'a-b.c': 1, 'x y': 2 });
});
