import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SERVER_SOCKET_PATH, defaultSocketPath, resolveSocketPath } from './socket-path.js';
import { runCli } from './testing/run-cli.js';
import type { AdminClient } from './admin-client.js';

test('default socket path: env override, else SPIRE default', () => {
  assert.equal(defaultSocketPath({}), DEFAULT_SERVER_SOCKET_PATH);
  assert.equal(defaultSocketPath({ SPIRE_SERVER_PRIVATE_SOCKET: '/run/s.sock' }), '/run/s.sock');
});

test('-instance fills %i of the template; explicit -socketPath wins', () => {
  const env = { SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE: '/run/spire/%i/api.sock' };
  assert.equal(resolveSocketPath({ socketPath: '/d', socketPathGiven: false, instance: 'blue' }, env), '/run/spire/blue/api.sock');
  assert.equal(resolveSocketPath({ socketPath: '/given', socketPathGiven: true, instance: 'blue' }, env), '/given');
  assert.equal(resolveSocketPath({ socketPath: '/d', socketPathGiven: false, instance: '' }, env), '/d');
  assert.throws(() => resolveSocketPath({ socketPath: '/d', socketPathGiven: false, instance: 'x' }, {}), /SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE/);
  assert.throws(() => resolveSocketPath({ socketPath: '/d', socketPathGiven: false, instance: 'x' }, { SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE: '/no/placeholder' }), /must contain %i/);
});

test('commands dial the resolved path (env, instance)', async () => {
  const dialed: string[] = [];
  const connect = async (path: string): Promise<AdminClient> => {
    dialed.push(path);
    throw new Error('stop here');
  };
  await runCli(['bundle', 'count'], [], { connect, env: { SPIRE_SERVER_PRIVATE_SOCKET: '/env.sock' } });
  await runCli(['bundle', 'count'], ['-instance', 'a'], { connect, env: { SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE: '/t/%i.sock' } });
  const run = await runCli(['bundle', 'count'], [], { connect });
  assert.deepEqual(dialed, ['/env.sock', '/t/a.sock', DEFAULT_SERVER_SOCKET_PATH]);
  assert.deepEqual(run, { code: 1, stdout: '', stderr: 'Error: stop here\n' });
});
