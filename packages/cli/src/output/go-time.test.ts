import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoTime } from './go-time.js';
import { goQuote } from './go-quote.js';
import { goCodeName, describeError, CliError } from './rpc-error.js';
import { Code, ConnectError } from '@connectrpc/connect';

test('formatGoTime renders Go time.Time String() in UTC', () => {
  assert.equal(formatGoTime(0, 'UTC'), '1970-01-01 00:00:00 +0000 UTC');
  assert.equal(formatGoTime(1700000000n, 'UTC'), '2023-11-14 22:13:20 +0000 UTC');
});

test('formatGoTime in local mode prints an offset and a zone name', () => {
  assert.match(formatGoTime(1700000000, 'local'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \S+$/);
});

test('goQuote escapes like Go %q', () => {
  assert.equal(goQuote('similar entry already exists'), '"similar entry already exists"');
  assert.equal(goQuote('a"b\\c\n\u0001é'), '"a\\"b\\\\c\\n\\x01é"');
});

test('gRPC errors print as Go does; other errors by message', () => {
  assert.equal(goCodeName(Code.InvalidArgument), 'InvalidArgument');
  assert.equal(goCodeName(Code.AlreadyExists), 'AlreadyExists');
  assert.equal(goCodeName(99), 'Code(99)');
  assert.equal(describeError(new ConnectError('entry not found', Code.NotFound)), 'rpc error: code = NotFound desc = entry not found');
  assert.equal(describeError(new CliError('a SPIFFE ID is required')), 'a SPIFFE ID is required');
});
