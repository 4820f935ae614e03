import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../testing/run-cli.js';
import { createServerCommandRegistry } from './commands.js';
import { parseOutputFlag } from './output-flag.js';

test('-v, -version, --version print the version to stderr and exit 0', async () => {
  for (const flag of ['-v', '-version', '--version']) {
    const run = await runCli([flag], []);
    assert.deepEqual(run, { code: 0, stdout: '', stderr: '1.15.3\n' });
  }
});

test('-h alone prints the command list (exit 0); unknown or missing commands exit 127', async () => {
  const help = await runCli(['-h'], []);
  assert.equal(help.code, 0);
  assert.match(help.stderr, /^Usage: spire-server \[--version\] \[--help\] <command> \[<args>\]\n\nAvailable commands are:\n/);
  assert.match(help.stderr, /\n {4}healthcheck {4}Determines server health status\n/);
  for (const argv of [['nope'], []]) {
    const run = await runCli(argv, []);
    assert.equal(run.code, 127);
    assert.equal(run.stderr, help.stderr);
  }
});

test('a group word alone, or with an unknown verb, lists its subcommands and exits 1', async () => {
  for (const argv of [['entry'], ['entry', 'bogus']]) {
    const run = await runCli(argv, []);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      'This command is accessed by using one of the subcommands below.\n\nSubcommands:\n' +
        '    count     Count registration entries\n' +
        '    create    Creates registration entries\n' +
        '    delete    Deletes registration entries\n' +
        '    show      Displays configured registration entries\n' +
        '    update    Updates registration entries\n',
    );
  }
});

test('command -h prints Go usage and exits 0 without connecting', async () => {
  const run = await runCli(['token', 'generate'], ['-h'], { connect: async () => assert.fail('must not connect') });
  assert.equal(run.code, 0);
  assert.equal(
    run.stderr,
    'Usage of token generate:\n' +
      '  -instance string\n    \tInstance name to substitute into socket templates\n' +
      '  -output value\n    \tDesired output format (pretty, json); default: pretty.\n' +
      '  -socketPath string\n    \tPath to the SPIRE Server API socket (default "/tmp/spire-server/private/api.sock")\n' +
      '  -spiffeID string\n    \tAdditional SPIFFE ID to assign the token owner (optional)\n' +
      '  -ttl int\n    \tToken TTL in seconds (default 600)\n' +
      'flag: help requested\n',
  );
});

test('flags before the subcommand are rejected', async () => {
  const run = await runCli(['-output', 'entry', 'count'], []);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^Invalid flags before the subcommand\. If these flags are for\nthe subcommand, please put them after the subcommand\.\n\nUsage of entry count:/);
  // A flag value before the command reads as the command name, as in mitchellh/cli.
  assert.equal((await runCli(['-socketPath', '/x', 'entry', 'count'], [])).code, 127);
});

test('unknown flags and bad values print the Go error and usage, exit 1', async () => {
  const unknown = await runCli(['entry', 'count'], ['-foo']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^flag provided but not defined: -foo\nUsage of entry count:\n {2}-downstream\n/);
  const badInt = await runCli(['token', 'generate'], ['-ttl', 'abc']);
  assert.equal(badInt.code, 1);
  assert.match(badInt.stderr, /^invalid value "abc" for flag -ttl: parse error\nUsage of token generate:/);
  const missing = await runCli(['entry', 'show'], ['-entryID']);
  assert.match(missing.stderr, /^flag needs an argument: -entryID\n/);
  const badBool = await runCli(['entry', 'create'], ['-admin=maybe']);
  assert.match(badBool.stderr, /^invalid boolean value "maybe" for -admin: parse error\n/);
});

test('-output accepts pretty/prettyprint/json in any case; conflicting values are an error', async () => {
  assert.equal(parseOutputFlag([]), 'pretty');
  assert.equal(parseOutputFlag(['JSON']), 'json');
  assert.equal(parseOutputFlag(['prettyprint']), 'pretty');
  assert.equal(parseOutputFlag(['json', 'json']), 'json');
  assert.throws(() => parseOutputFlag(['json', 'pretty']), /invalid value "pretty" for flag -output: the output format has already been set to "json"/);
  assert.throws(() => parseOutputFlag(['xml']), /invalid value "xml" for flag -output: bad formatter flag/);
  const run = await runCli(['entry', 'count'], ['-output', 'yaml']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^invalid value "yaml" for flag -output: .*\nUsage of entry count:/);
});

test('run and validate can be registered by other code', async () => {
  const registry = createServerCommandRegistry();
  const seen: string[][] = [];
  registry.register('run', () => ({ synopsis: 'Runs the server', help: () => 'run help', run: async (args) => (seen.push([...args]), 0) }));
  const run = await runCli(['run'], ['-config', 'server.conf'], { registry });
  assert.equal(run.code, 0);
  assert.deepEqual(seen, [['-config', 'server.conf']]);
  const help = await runCli(['-h'], [], { registry });
  assert.match(help.stderr, /\n {4}run {12}Runs the server\n/);
  assert.throws(() => registry.register('bad  name', () => assert.fail()), /invalid command name/);
});
