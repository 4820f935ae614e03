import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, redactFields } from './redact.js';
import { createCapturingLogger } from './capturing-logger.js';
import { nullLogger } from './logger.js';
import { parseLogLevel } from './levels.js';
import { formatTextValue } from './text-format.js';

test('secret key names are recognised in any case style', () => {
  for (const key of ['token', 'join_token', 'joinToken', 'JOIN_TOKEN', 'private_key', 'privateKey', 'key_pem', 'keyPEM', 'password',
    'secret', 'client_secret', 'secret_access_key', 'access-token', 'authorization', 'private_keys']) {
    assert.equal(isSecretKey(key), true, key);
  }
  for (const key of ['token_path', 'tokenTtl', 'key_type', 'keys_path', 'public_key', 'spiffe_id', 'secretary']) {
    assert.equal(isSecretKey(key), false, key);
  }
});

test('redactFields copies, redacts nested secrets and normalises values', () => {
  const input = { token: 'x', deep: { list: [{ password: 'p' }, 'ok'] }, buf: new Uint8Array(4), n: 10n, when: new Date(0), skip: undefined };
  const out = redactFields(input);
  assert.deepEqual(out, {
    token: '[redacted]', deep: { list: [{ password: '[redacted]' }, 'ok'] }, buf: '[4 bytes]', n: '10', when: '1970-01-01T00:00:00.000Z',
  });
  assert.equal(input.token, 'x', 'input untouched');
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.doesNotThrow(() => redactFields(cyclic));
});

test('capturing logger records redacted entries from children; nullLogger drops all', () => {
  const logger = createCapturingLogger();
  const child = logger.child({ subsystem_name: 'agent', join_token: 'secret-token' });
  child.warn('Rotating', { attempt: 2, private_key: 'pk' });
  logger.error('Boom', { error: new Error('bad') });
  assert.deepEqual(logger.entries, [
    { level: 'warn', msg: 'Rotating', fields: { subsystem_name: 'agent', join_token: '[redacted]', attempt: 2, private_key: '[redacted]' } },
    { level: 'error', msg: 'Boom', fields: { error: 'bad' } },
  ]);
  assert.equal(logger.find('Rot').length, 1);
  logger.clear();
  assert.equal(logger.entries.length, 0);
  nullLogger.child({ a: 1 }).info('nothing');
});

test('level names parse like logrus', () => {
  assert.equal(parseLogLevel('WARNING'), 'warn');
  assert.equal(parseLogLevel('Trace'), 'trace');
  assert.equal(parseLogLevel('panic'), 'panic');
  assert.throws(() => parseLogLevel(''), /not a valid logrus Level: ""/);
});

test('text values quote like logrus', () => {
  assert.equal(formatTextValue('plain-value_1.2/x@y^z+w'), 'plain-value_1.2/x@y^z+w');
  assert.equal(formatTextValue('has space'), '"has space"');
  assert.equal(formatTextValue('a"b'), '"a\\"b"');
  assert.equal(formatTextValue(null), '"<nil>"');
  assert.equal(formatTextValue({ a: 1 }), '"{\\"a\\":1}"');
});
