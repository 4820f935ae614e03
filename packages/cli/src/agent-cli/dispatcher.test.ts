import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAgentCli } from './workload-fixture.test-helper.js';
import { createAgentCommandRegistry } from './commands.js';
import { DEFAULT_AGENT_SOCKET_PATH, resolveAgentSocketPath } from './socket-path.js';

const never = () => assert.fail('must not connect');

test('-h lists the agent commands; -version prints SPIRE\'s version', async () => {
  const help = await runAgentCli(['-h']);
  assert.equal(help.code, 0);
  assert.equal(
    help.stderr,
    'Usage: spire-agent [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n' +
      '    api            \n' +
      '    healthcheck    Determines agent health status\n' +
      '    run            Runs the agent\n' +
      '    validate       Validates a SPIRE agent configuration file\n\n',
  );
  assert.deepEqual(await runAgentCli(['-version']), { code: 0, stdout: '', stderr: '1.15.3\n' });
  const api = await runAgentCli(['api']);
  assert.equal(api.code, 1);
  assert.match(api.stderr, /Subcommands:\n {4}fetch {7}Fetches X509 SVIDs from the Workload API\n {4}validate {4}\n {4}watch {7}Attaches to the Workload API and prints updates as they're received\n$/);
});

test('command -h prints SPIRE\'s usage (custom -timeout value shown as Go does) and exits 0', async () => {
  const run = await runAgentCli(['api', 'fetch', 'x509', '-h'], { connect: never });
  assert.deepEqual(run, {
    code: 0,
    stdout: '',
    stderr:
      'Usage of fetch x509:\n' +
      '  -instance string\n    \tInstance name to substitute into socket templates (env SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE).\n' +
      '  -output value\n    \tDesired output format (pretty, json); default: pretty.\n' +
      '  -silent\n    \tSuppress stdout\n' +
      '  -socketPath string\n    \tPath to the SPIRE Agent API Unix domain socket (default "/tmp/spire-agent/public/api.sock")\n' +
      '  -timeout value\n    \tTime to wait for a response (default 5s)\n' +
      '  -write string\n    \tWrite SVID data to the specified path (optional; only available for pretty output format)\n',
  });
  const jwt = await runAgentCli(['api', 'fetch', 'jwt', '-h'], { connect: never });
  assert.match(jwt.stderr, /^Usage of fetch jwt:\n {2}-audience value\n {4}\tcomma separated list of audience values\n {2}-format value\n {4}\tdeprecated; use -output\n/);
  const watch = await runAgentCli(['api', 'watch', '-h'], { connect: never });
  assert.match(watch.stderr, /^Usage of watch:\n {2}-instance string\n[^]*-socketPath string\n[^]*\nflag: help requested\n$/);
  assert.doesNotMatch(watch.stderr, /-timeout|-output/);
  const health = await runAgentCli(['healthcheck', '-h'], { connect: never });
  assert.match(health.stderr, /^Usage of health:\n[^]*-shallow\n[^]*-verbose\n/);
});

test('flag errors print the Go message and usage, exit 1, without connecting', async () => {
  const run = await runAgentCli(['api', 'fetch', 'x509', '-bogus'], { connect: never });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^flag provided but not defined: -bogus\nUsage of fetch x509:\n/);
  const output = await runAgentCli(['api', 'validate', 'jwt', '-output', 'yaml'], { connect: never });
  assert.match(output.stderr, /^invalid value "yaml" for flag -output: bad formatter flag/);
});

test('socket path: explicit path, then -instance with the template, then the env variable, then the default', () => {
  const env = { SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE: '/run/spire/%i/api.sock', SPIRE_AGENT_PUBLIC_SOCKET: '/run/agent.sock' };
  assert.equal(resolveAgentSocketPath('/x.sock', 'a', env), '/x.sock');
  assert.equal(resolveAgentSocketPath(DEFAULT_AGENT_SOCKET_PATH, 'a', env), '/run/spire/a/api.sock');
  assert.equal(resolveAgentSocketPath(DEFAULT_AGENT_SOCKET_PATH, '', env), '/run/agent.sock');
  assert.equal(resolveAgentSocketPath(DEFAULT_AGENT_SOCKET_PATH, 'a', { SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE: '/no-placeholder' }), DEFAULT_AGENT_SOCKET_PATH);
  assert.equal(resolveAgentSocketPath(DEFAULT_AGENT_SOCKET_PATH, '', {}), DEFAULT_AGENT_SOCKET_PATH);
});

test('the -instance flag picks the socket for a real call', async () => {
  const seen: string[] = [];
  const run = await runAgentCli(['api', 'fetch', 'x509', '-instance', 'blue', '-timeout', '0s'], {
    env: { SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE: '/nonexistent/%i.sock' },
    connect: (path) => {
      seen.push(path);
      throw new Error('stop here');
    },
  });
  assert.deepEqual(seen, ['/nonexistent/blue.sock']);
  assert.deepEqual(run, { code: 1, stdout: '', stderr: 'stop here\n' });
});

test('run and validate can be registered by other code', async () => {
  const registry = createAgentCommandRegistry();
  const seen: string[][] = [];
  registry.register('run', () => ({ synopsis: 'Runs the agent', help: () => 'run help', run: async (args) => (seen.push([...args]), 0) }));
  const run = await runAgentCli(['run', '-config', 'agent.conf'], { registry });
  assert.equal(run.code, 0);
  assert.deepEqual(seen, [['-config', 'agent.conf']]);
});
