import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HclError, loadConfigText } from './index.js';
import { isTspireError } from '../errors/tspire-error.js';

/** Parses and returns the HclError thrown, failing the test when none is. */
function syntaxError(text: string, filename?: string): HclError {
  try {
    loadConfigText(text, filename === undefined ? {} : { filename });
  } catch (err) {
    assert.ok(err instanceof HclError, `expected HclError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a syntax error');
}

const cases: { name: string; text: string; line: number; column: number; reason: RegExp }[] = [
  { name: 'unterminated string', text: 'server {\n  trust_domain = "example.org\n}', line: 2, column: 18, reason: /unterminated string/ },
  { name: 'unterminated string at EOF', text: 'a = "abc', line: 1, column: 5, reason: /unterminated string/ },
  { name: 'missing closing brace', text: 'server {\n  bind_port = 8081\n  ca_subject {\n    country = ["US"]\n}\n', line: 1, column: 8, reason: /unclosed '\{' of "server"/ },
  { name: 'stray closing brace', text: 'server {\n  bind_port = 8081\n}\n}\n', line: 4, column: 1, reason: /unexpected '\}'/ },
  { name: 'value without =', text: 'server {\n    bind_port 8081\n}', line: 2, column: 15, reason: /expected '=' or '\{' after key "bind_port", got number 8081/ },
  { name: 'stray =', text: 'a = 1\n  = 2', line: 2, column: 3, reason: /expected a key, got '='/ },
  { name: 'bare identifier value', text: 'log_level = DEBUG', line: 1, column: 13, reason: /got identifier "DEBUG" \(strings must be quoted\)/ },
  { name: 'unquoted duration', text: 'x {\n\tca_ttl = 24h\n}', line: 2, column: 11, reason: /invalid number "24h"/ },
  { name: 'labelled block with =', text: 'plugins {\n  DataStore "sql" = {}\n}', line: 2, column: 19, reason: /expected '\{' after labelled block "DataStore" "sql", got '='/ },
  { name: 'missing comma in list', text: 'a = ["x" "y"]', line: 1, column: 10, reason: /expected ',' or '\]' in list "a", got string "y"/ },
  { name: 'unclosed list', text: 'a = [1,\n2', line: 1, column: 5, reason: /unclosed '\['/ },
  { name: 'bad escape', text: 'a = "x\\qy"', line: 1, column: 7, reason: /invalid escape sequence "\\q"/ },
  { name: 'short unicode escape', text: 'a = "\\u12"', line: 1, column: 6, reason: /expected 4 digits/ },
  { name: 'unterminated comment', text: 'a = 1\n  /* open', line: 2, column: 3, reason: /comment not terminated/ },
  { name: 'unterminated heredoc', text: 'a = <<EOF\nline\n', line: 1, column: 5, reason: /unterminated heredoc: missing closing "EOF"/ },
  { name: 'unexpected character', text: 'a = 1\nb @ 2', line: 2, column: 3, reason: /unexpected character "@"/ },
  { name: 'illegal octal', text: 'a = 089', line: 1, column: 5, reason: /invalid octal number 089/ },
  { name: 'value missing at EOF', text: 'a =', line: 1, column: 4, reason: /expected a value for "a", got end of file/ },
  { name: 'JSON missing colon', text: '{\n  "a" 1\n}', line: 2, column: 7, reason: /expected ':' after key "a", got number 1/ },
  { name: 'JSON trailing garbage', text: '{"a": 1} x', line: 1, column: 10, reason: /unexpected identifier "x"/ },
  { name: 'JSON unclosed object', text: '{"a": {"b": 1}', line: 1, column: 1, reason: /unclosed '\{'/ },
  { name: 'string after key is a label, then needs a block', text: 'a "x" }', line: 1, column: 7, reason: /expected '\{' after labelled block "a" "x", got '\}'/ },
  { name: 'JSON unquoted key', text: '{ a: 1 }', line: 1, column: 3, reason: /expected a quoted key/ },
];

for (const c of cases) {
  test(`syntax error: ${c.name}`, () => {
    const err = syntaxError(c.text);
    assert.equal(err.line, c.line, `line of: ${err.message}`);
    assert.equal(err.column, c.column, `column of: ${err.message}`);
    assert.match(err.reason, c.reason);
    assert.equal(err.message, `${c.line}:${c.column}: ${err.reason}`);
  });
}

test('errors name the file and carry the registry code', () => {
  const err = syntaxError('server {\n  foo {\n    bind_port 8081\n  }\n}', 'config.hcl');
  assert.equal(err.message, 'config.hcl:3:15: expected \'=\' or \'{\' after key "bind_port", got number 8081');
  assert.equal(err.filename, 'config.hcl');
  assert.ok(isTspireError(err, 'ERR_CONFIG_HCL_SYNTAX'));
});
