import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthv1 } from '@tspire/proto';
import { runAgentCli, withAgentCli } from '../../agent-cli/workload-fixture.test-helper.js';

test('healthcheck: SERVING is healthy; -verbose announces the check', async () => {
  await withAgentCli(async (f) => {
    assert.deepEqual(await f.run(['healthcheck']), { code: 0, stdout: 'Agent is healthy.\n', stderr: '' });
    assert.deepEqual(await f.run(['healthcheck', '-shallow', '-verbose']), { code: 0, stdout: 'Checking agent health...\nAgent is healthy.\n', stderr: '' });
  });
});

test('healthcheck: another status is unhealthy with its name, exit code 1', async () => {
  await withAgentCli(async (f) => {
    f.healthStatus = healthv1.HealthCheckResponse_ServingStatus.NOT_SERVING;
    assert.deepEqual(await f.run(['healthcheck']), { code: 1, stdout: '', stderr: 'Agent is unhealthy: agent returned status "NOT_SERVING"\n' });
  });
});

test('healthcheck: no agent on the socket is "unable to determine health"; -verbose says why', async () => {
  const quiet = await runAgentCli(['healthcheck', '-socketPath', '/nonexistent/tspire/api.sock']);
  assert.deepEqual(quiet, { code: 1, stdout: '', stderr: 'Agent is unhealthy: unable to determine health\n' });
  const verbose = await runAgentCli(['healthcheck', '-verbose', '-socketPath', '/nonexistent/tspire/api.sock']);
  assert.deepEqual(verbose, {
    code: 1,
    stdout: 'Checking agent health...\n',
    stderr:
      'Failed to check health: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /nonexistent/tspire/api.sock: connect: no such file or directory"\n' +
      'Agent is unhealthy: unable to determine health\n',
  });
});

test('healthcheck finds the socket through SPIRE_AGENT_PUBLIC_SOCKET', async () => {
  await withAgentCli(async (f) => {
    const run = await runAgentCli(['healthcheck'], { env: { SPIRE_AGENT_PUBLIC_SOCKET: f.socketPath } });
    assert.deepEqual(run, { code: 0, stdout: 'Agent is healthy.\n', stderr: '' });
  });
});
