import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../time/fake-clock.js';
import { createLogger, type CreateLoggerOptions } from './create-logger.js';

const clock = new FakeClock(Date.parse('2024-03-04T05:06:07.890Z'));

function capture(options: Omit<CreateLoggerOptions, 'destination' | 'clock'>) {
  const lines: string[] = [];
  const logger = createLogger({ ...options, clock, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines };
}

test('text format is a logrus-like single line with sorted fields', () => {
  const { logger, lines } = capture({ level: 'debug' });
  logger.child({ subsystem_name: 'ca_manager' }).info('X509 CA prepared', { slot: 'A', expiration: 'in 2 days', count: 3, ok: true, empty: '' });
  logger.warn('Careful');
  logger.debug('path', { p: '/a/b-c_d.e@f' });
  assert.deepEqual(lines, [
    'time="2024-03-04T05:06:07Z" level=info msg="X509 CA prepared" count=3 empty= expiration="in 2 days" ok=true slot=A subsystem_name=ca_manager\n',
    'time="2024-03-04T05:06:07Z" level=warning msg=Careful\n',
    'time="2024-03-04T05:06:07Z" level=debug msg=path p=/a/b-c_d.e@f\n',
  ]);
});

test('json format writes one object per line with logrus level names', () => {
  const { logger, lines } = capture({ format: 'JSON' });
  logger.error('Failed', { error: new Error('boom'), nested: { a: [1, 2] }, msg: 'clash' });
  logger.warn('w');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    level: 'error', time: '2024-03-04T05:06:07Z', msg: 'Failed', error: 'boom', nested: { a: [1, 2] }, 'fields.msg': 'clash',
  });
  assert.equal(JSON.parse(lines[1] ?? '').level, 'warning');
});

test('levels filter output and can change at runtime', () => {
  const { logger, lines } = capture({ level: 'WARN' });
  logger.info('hidden');
  logger.debug('hidden');
  logger.warn('shown');
  assert.equal(logger.level(), 'warn');
  logger.setLevel('Debug');
  logger.debug('now shown');
  logger.setLevel('panic');
  logger.error('hidden at panic');
  assert.deepEqual(lines.map((l) => /msg=("[^"]*"|\S+)/.exec(l)?.[1]), ['shown', '"now shown"']);
  assert.throws(() => logger.setLevel('verbose'), /not a valid logrus Level: "verbose"/);
  assert.throws(() => createLogger({ format: 'xml' }), /unknown log format: "xml"/);
});

test('secrets in fields never reach the output', () => {
  const { logger, lines } = capture({ format: 'json' });
  const secretPem = '-----BEGIN EC PRIVATE KEY-----\nMHc...\n-----END EC PRIVATE KEY-----\n';
  logger.child({ join_token: 'abc123' }).info('Attesting', {
    token: 't0ken', private_key: 'k', keyPem: 'p', password: 'pw', client_secret: 's', aws: { secret_access_key: 'sk' },
    note: secretPem, jwt: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', token_path: '/var/run/token', spiffe_id: 'spiffe://example.org/x',
  });
  const output = lines.join('');
  for (const secret of ['abc123', 't0ken', '"k"', '"p"', 'pw', '"s"', 'sk', 'MHc', 'eyJ']) assert.ok(!output.includes(secret), secret);
  const record = JSON.parse(lines[0] ?? '');
  assert.equal(record.join_token, '[redacted]');
  assert.equal(record.aws.secret_access_key, '[redacted]');
  assert.equal(record.token_path, '/var/run/token');
  assert.equal(record.spiffe_id, 'spiffe://example.org/x');
});

test('log_file appends and can be reopened after rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspire-log-'));
  try {
    const file = join(dir, 'server.log');
    writeFileSync(file, 'previous line\n');
    const logger = createLogger({ file, clock, format: 'text' });
    logger.info('first');
    renameSync(file, `${file}.1`);
    logger.reopen();
    logger.info('second');
    logger.close();
    assert.equal(readFileSync(`${file}.1`, 'utf8'), 'previous line\ntime="2024-03-04T05:06:07Z" level=info msg=first\n');
    assert.equal(readFileSync(file, 'utf8'), 'time="2024-03-04T05:06:07Z" level=info msg=second\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
