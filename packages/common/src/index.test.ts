import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as common from './index.js';

test('the package entry point exposes every module', () => {
  for (const name of [
    'loadConfigText', 'HclError', 'decodeConfig', 'block', 'labelledBlocks', 'expandEnv', 'parseGoDuration', 'formatGoDuration',
    'defineFlags', 'HelpRequested', 'TspireError', 'toConnectError', 'registerErrorCodes', 'allErrorCodes', 'FakeClock',
    'systemClock', 'ExponentialBackoff', 'LinearBackoff', 'createLogger', 'nullLogger', 'createCapturingLogger', 'parseGoInt',
    'listenOnUnixSocket', 'startUnixHttp2Server', 'unknownGrpcMethod', 'startHealthHttp', 'grpcRequestHandler', 'writeFileAtomic',
    'decodeDaemonConfig',
  ]) {
    assert.ok(name in common, name);
  }
  assert.equal(typeof common.hcl.tokenize, 'function');
});

test('end to end: expand env, parse, decode, fail on unknown keys', () => {
  const text = common.expandEnv('server {\n  bind_port = "${PORT}"\n  trust_domain = "$TD"\n  typo = 1\n}', { PORT: '8081', TD: 'example.org' });
  const schema = { server: common.block({ bind_port: 'int', trust_domain: 'string' }) } as const;
  const { value, unknownKeys } = common.decodeConfig(common.loadConfigText(text, { filename: 'server.conf' }), schema);
  assert.deepEqual(value, { server: { bind_port: 8081, trust_domain: 'example.org' } });
  assert.throws(() => common.throwOnUnknownKeys(unknownKeys), /unknown configuration detected: server\.typo$/);
  assert.deepEqual(unknownKeys[0]?.position, { line: 4, column: 3, filename: 'server.conf' });
});
