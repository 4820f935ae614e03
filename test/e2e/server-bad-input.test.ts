/**
 * Bad input, as operators type it: each case must end with a clear message, exit code 1, and
 * nothing changed (same entries, byte for byte). Then bad configurations and datastores, which
 * must stop `spire-server run` with a message naming the problem before anything is served.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bins, run, tempDir, type RunResult } from './lib/processes.js';
import { ServerProcess, assertOk, serverConfText, serverPaths, writeServerConf } from './lib/server-fixture.js';

const AGENT = 'spiffe://example.org/agent/local';
const WORKLOAD = 'spiffe://example.org/workload/api';

/** `entry create` with one field replaced. */
function create(overrides: { parentID?: string; spiffeID?: string; selector?: string; x509SVIDTTL?: string } = {}): string[] {
  return [
    'entry', 'create',
    '-parentID', overrides.parentID ?? AGENT,
    '-spiffeID', overrides.spiffeID ?? 'spiffe://example.org/workload/new',
    '-selector', overrides.selector ?? 'unix:uid:2000',
    ...(overrides.x509SVIDTTL !== undefined ? ['-x509SVIDTTL', overrides.x509SVIDTTL] : []),
  ];
}

interface BadCase {
  readonly name: string;
  readonly args: readonly string[];
  /** Every line the operator must see on stderr. */
  readonly stderr: readonly (string | RegExp)[];
}

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const cliCases: readonly BadCase[] = [
  { name: 'malformed -spiffeID', args: create({ spiffeID: 'example.org/workload' }), stderr: ['Error: scheme is missing or invalid'] },
  { name: '-spiffeID with a dot segment', args: create({ spiffeID: 'spiffe://example.org/a/../b' }), stderr: ['Error: path cannot contain dot segments'] },
  {
    name: 'malformed -parentID',
    args: create({ parentID: 'spiffe://Example.org/agent' }),
    stderr: ['Error: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores'],
  },
  {
    name: '-spiffeID of another trust domain',
    args: create({ spiffeID: 'spiffe://other.org/workload' }),
    stderr: [
      'Failed to create the following entry (code: InvalidArgument, msg: "failed to convert entry: invalid spiffe ID: \\"spiffe://other.org/workload\\" is not a member of trust domain \\"example.org\\""):',
      'Error: failed to create one or more entries',
    ],
  },
  {
    name: '-parentID of another trust domain',
    args: create({ parentID: 'spiffe://other.org/agent' }),
    stderr: [/code: InvalidArgument, msg: "failed to convert entry: invalid parent ID: \\"spiffe:\/\/other.org\/agent\\" is not a member of trust domain/, 'Error: failed to create one or more entries'],
  },
  { name: 'selector without a colon', args: create({ selector: 'unixuid' }), stderr: ['Error: selector "unixuid" must be formatted as type:value'] },
  { name: 'selector with an empty type', args: create({ selector: ':x' }), stderr: [/code: InvalidArgument, msg: ".*missing selector type"/, 'Error: failed to create one or more entries'] },
  { name: 'selector with an empty value', args: create({ selector: 'unix:' }), stderr: [/code: InvalidArgument, msg: ".*missing selector value/, 'Error: failed to create one or more entries'] },
  { name: 'negative -x509SVIDTTL', args: create({ x509SVIDTTL: '-5' }), stderr: ['Error: a positive x509-SVID TTL is required'] },
  { name: 'non-numeric -x509SVIDTTL', args: create({ x509SVIDTTL: 'abc' }), stderr: ['invalid value "abc" for flag -x509SVIDTTL: parse error', 'Usage of entry create:'] },
  {
    name: 'update of an unknown entry ID',
    args: ['entry', 'update', '-entryID', UNKNOWN_ID, '-parentID', AGENT, '-spiffeID', WORKLOAD, '-selector', 'unix:uid:1'],
    stderr: ['Failed to update the following entry (code: NotFound, msg: "failed to update entry"):', 'Error: failed to update one or more entries'],
  },
  {
    name: 'delete of an unknown entry ID',
    args: ['entry', 'delete', '-entryID', UNKNOWN_ID],
    stderr: [`Failed to delete entry with ID ${UNKNOWN_ID} (code: NotFound, msg: "entry not found")`, 'Error: failed to delete one or more entries'],
  },
  { name: 'unknown flag', args: ['entry', 'create', '-selectors', 'unix:uid:1'], stderr: ['flag provided but not defined: -selectors', 'Usage of entry create:'] },
  { name: 'update without an entry ID', args: ['entry', 'update', '-parentID', AGENT, '-spiffeID', WORKLOAD, '-selector', 'unix:uid:1'], stderr: ['Error: an entry ID is required'] },
];

function assertStderr(result: RunResult, expected: readonly (string | RegExp)[], what: string): void {
  const lines = result.stderr.split('\n');
  for (const want of expected) {
    const found = typeof want === 'string' ? lines.includes(want) : want.test(result.stderr);
    assert.ok(found, `${what}: stderr lacks ${String(want)}:\n${result.stderr}`);
  }
}

describe('CLI bad input against a running server', () => {
  const tmp = tempDir('tspire-e2e-bad-cli-');
  let server: ServerProcess;
  let baseline = '';

  before(async () => {
    writeServerConf(tmp.path);
    server = await ServerProcess.start(tmp.path);
    assertOk(await server.cli('entry', 'create', '-parentID', AGENT, '-spiffeID', WORKLOAD, '-selector', 'unix:uid:1000'), 'seed entry');
    baseline = assertOk(await server.cli('entry', 'show', '-output', 'json'), 'entry show').stdout;
  });
  after(async () => {
    await server?.kill();
    tmp.cleanup();
  });

  test('each bad command fails with a clear error and exit 1, changing nothing', async () => {
    // Two at a time: the machine has two cores and each CLI run is a fresh node process.
    const results = new Map<string, RunResult>();
    const queue = [...cliCases];
    await Promise.all([0, 1].map(async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) results.set(c.name, await server.cli(...c.args));
    }));
    for (const c of cliCases) {
      const result = results.get(c.name) as RunResult;
      assert.equal(result.code, 1, `${c.name}: exit code\n${result.stdout}${result.stderr}`);
      assertStderr(result, c.stderr, c.name);
      assert.doesNotMatch(result.stdout, /^Entry ID/m, `${c.name}: nothing reported as created or updated`);
    }
    const [count, entries] = await Promise.all([server.cli('entry', 'count'), server.cli('entry', 'show', '-output', 'json')]);
    assert.equal(assertOk(count, 'entry count').stdout, '1 registration entry\n');
    assert.equal(assertOk(entries, 'entry show').stdout, baseline, 'the seed entry is unchanged');
  });

  test('a missing socket fails with the dial error', async () => {
    const missing = join(tmp.path, 'missing.sock');
    const result = await run(bins.spireServer, ['entry', 'count', '-socketPath', missing]);
    assert.deepEqual(result, {
      code: 1,
      signal: null,
      stdout: '',
      stderr: `Error: connection error: desc = "transport: error while dialing: dial unix ${missing}: connect: no such file or directory"\n`,
    });
  });
});

/** A TCP port nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('spire-server run refuses bad configurations and datastores', () => {
  const tmp = tempDir('tspire-e2e-bad-conf-');
  after(() => tmp.cleanup());

  /** A case directory with `server.conf` written from `text`; `start()` runs the server on it (bounded). */
  const runWith = (name: string, text: (dir: string) => string) => {
    const dir = join(tmp.path, name);
    const paths = serverPaths(dir);
    mkdirSync(paths.dataDir, { recursive: true });
    writeFileSync(paths.conf, text(dir));
    const start = () => run(bins.spireServer, ['run', '-config', paths.conf], { cwd: dir, timeoutMs: 30_000 });
    return { dir, paths, start };
  };

  test('each bad start-up exits 1 with a message naming the problem and serves nothing', async () => {
    const port = await unusedPort();
    const garbage = Buffer.from('this is not an SQLite database, just some bytes\n'.repeat(200));
    const hcl = runWith('hcl', (dir) => serverConfText(dir).replace('trust_domain = "example.org"', 'trust_domain = "example.org'));
    const notd = runWith('notd', (dir) => serverConfText(dir).replace('trust_domain = "example.org"', ''));
    const unknown = runWith('unknown', (dir) => serverConfText(dir).replace('log_level = "INFO"', 'log_levle = "INFO"'));
    const garbageDs = runWith('garbage', (dir) => serverConfText(dir));
    writeFileSync(garbageDs.paths.sqlite, garbage);
    const pgdown = runWith('pgdown', (dir) =>
      serverConfText(dir, { datastore: { kind: 'postgres', connectionString: `postgres://spire:secret-pw@127.0.0.1:${port}/spire` } }),
    );

    // The PostgreSQL case retries for a few seconds; run it beside the others.
    const [hclResult, notdResult, unknownResult, garbageResult, pgResult] = await Promise.all([
      hcl.start(), notd.start(), unknown.start(), garbageDs.start(), pgdown.start(),
    ]);

    const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const confText = readFileSync(hcl.paths.conf, 'utf8');
    assert.equal(hclResult.code, 1, hclResult.stderr);
    const brokenLine = lineOf(confText, 'trust_domain = "example.org');
    assert.match(hclResult.stderr, new RegExp(`^${escape(hcl.paths.conf)}:${brokenLine}:\\d+: unterminated string`, 'm'), 'unparsable HCL: file:line:column');

    assert.equal(notdResult.code, 1);
    assert.match(notdResult.stderr, /^server\.trust_domain: must be configured$/m);

    assert.equal(unknownResult.code, 1);
    assert.match(unknownResult.stderr, /^unknown configuration detected: server\.log_levle$/m);

    assert.equal(garbageResult.code, 1);
    assert.match(garbageResult.stderr, new RegExp(`^${escape(garbageDs.paths.sqlite)} is not a SQLite database`, 'm'));
    assert.ok(readFileSync(garbageDs.paths.sqlite).equals(garbage), 'the file that is not SQLite is left as it was');
    assert.equal(existsSync(garbageDs.paths.keys), false, 'no keys were created');

    assert.equal(pgResult.code, 1, `PostgreSQL down: ${pgResult.signal ?? ''} ${pgResult.stderr}`);
    assert.match(pgResult.stderr, new RegExp(`^postgres at 127\\.0\\.0\\.1:${port} is unavailable after \\d+ attempt\\(s\\): connect ECONNREFUSED`, 'm'));
    assert.doesNotMatch(pgResult.stderr, /secret-pw/, 'the password is never printed');

    for (const c of [hcl, notd, unknown, garbageDs, pgdown]) {
      assert.equal(existsSync(c.paths.socket), false, `${c.dir}: no admin socket left behind`);
    }
  });

  test('validate reports the same errors without starting anything', async () => {
    const { paths, dir } = runWith('validate', (d) => serverConfText(d).replace('log_level = "INFO"', 'log_levle = "INFO"'));
    const result = await run(bins.spireServer, ['validate', '-config', paths.conf], { cwd: dir });
    assert.deepEqual(result, {
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'SPIRE server configuration file is invalid: unknown configuration detected: server.log_levle\n',
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
