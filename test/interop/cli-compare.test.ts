/**
 * The `spire-server` CLI, real and ours, against servers real and ours (issue 8, item 4). The
 * reference is SPIRE's own CLI against SPIRE's own server; the same scenario (healthcheck, token
 * generate, entry create/show/update/delete/count in pretty and JSON, bundle show, federated
 * bundle set/list/count/delete with -federatesWith entries) then runs as
 *   - the real CLI against tspire's admin socket (tests our server API),
 *   - our CLI against a real spire-server (tests our CLI's requests and printing),
 *   - our CLI against our server (the product as shipped),
 * each on a fresh server, and every step's exit code, stdout and stderr must equal the
 * reference's after normalisation (entry IDs/tokens as labels, times and per-server key material
 * as placeholders, certificates as a summary of their fields; see lib/cli-compare.ts).
 * TSPIRE_CLI_COMPARE_DUMP=<file> writes every normalised output there for inspection.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bins, run, tempDir } from '../e2e/lib/processes.js';
import { ServerProcess, writeServerConf } from '../e2e/lib/server-fixture.js';
import { encodePem } from '@tspire/spiffe';
import { createCa } from '@tspire/spiffe/testing';
import { SCENARIO, parseJson, runScenario, type Cli, type ScenarioFiles, type StepOutput } from './lib/cli-compare.js';
import { missingPeers, peerPath, runNative } from './lib/peers.js';
import { RealSpireServer } from './lib/stacks.js';

const COMBOS = ['real CLI -> tspire server', 'tspire CLI -> real server', 'tspire CLI -> tspire server'] as const;
type Combo = (typeof COMBOS)[number];

const realCli =
  (socket: string, cwd: string): Cli =>
  (...args) =>
    runNative(peerPath('spire-server'), [...args, '-socketPath', socket], { cwd });
const ourCli =
  (socket: string, cwd: string): Cli =>
  (...args) =>
    run(bins.spireServer, [...args, '-socketPath', socket], { cwd });

async function startOurServer(dir: string): Promise<ServerProcess> {
  mkdirSync(dir, { recursive: true });
  writeServerConf(dir);
  return ServerProcess.start(dir);
}

async function startRealServer(dir: string): Promise<RealSpireServer> {
  mkdirSync(dir, { recursive: true });
  return RealSpireServer.start(dir);
}

/**
 * Differences in tspire's server API found by this test, not fixable in the CLI (issue 8 report):
 * the steps run as `todo` against the tspire server (failing shows the diff without failing the
 * run). Remove an entry once the server is fixed; the test then guards it.
 */
/** Differences of our server still open, by step name (none: each is fixed or the test fails). */
const KNOWN_SERVER_DIFFERENCES: Record<string, string> = {};

/** Exit code, then (for JSON) the parsed documents field by field, then the exact texts. */
function assertSameOutput(expected: StepOutput, actual: StepOutput): void {
  const show = `\n--- SPIRE CLI -> SPIRE server ---\n${expected.stdout}${expected.stderr}\n--- this combination ---\n${actual.stdout}${actual.stderr}`;
  assert.equal(actual.code, expected.code, `exit code${show}`);
  const want = parseJson(expected.stdout);
  if (want !== undefined) assert.deepEqual(parseJson(actual.stdout), want, `JSON fields${show}`);
  assert.equal(actual.stdout, expected.stdout, `stdout${show}`);
  assert.equal(actual.stderr, expected.stderr, `stderr${show}`);
}

describe('spire-server CLI compared with SPIRE 1.15 (both directions)', { skip: missingPeers('spire-server') }, () => {
  const tmp = tempDir('tspire-interop-cli-');
  const real: RealSpireServer[] = [];
  const ours: ServerProcess[] = [];
  let reference: StepOutput[] = [];
  const results = new Map<Combo, StepOutput[]>();

  before(async () => {
    const dir = (name: string) => join(tmp.path, name);
    // One federated CA for every run, so its certificate prints the same everywhere.
    const hour = 3600_000;
    const otherCa = await createCa({ uris: ['spiffe://other.org'], subject: 'CN=other.org root', notBefore: new Date(Date.now() - hour), notAfter: new Date(Date.now() + 24 * hour) });
    const files: ScenarioFiles = { federatedBundle: join(tmp.path, 'other-org.pem') };
    writeFileSync(files.federatedBundle, encodePem('CERTIFICATE', otherCa.der));
    // allSettled: the servers that did start are stopped in `after` even when one failed.
    const started = await Promise.allSettled([startRealServer(dir('real-1')), startRealServer(dir('real-2'))]);
    const startedOurs = await Promise.allSettled([startOurServer(dir('ours-1')), startOurServer(dir('ours-2'))]);
    for (const s of started) if (s.status === 'fulfilled') real.push(s.value);
    for (const s of startedOurs) if (s.status === 'fulfilled') ours.push(s.value);
    const failed = [...started, ...startedOurs].find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [real1, real2] = real as [RealSpireServer, RealSpireServer];
    const [ours1, ours2] = ours as [ServerProcess, ServerProcess];
    // Two scenarios at a time (2 cores): the real CLI ones are fast, ours start node per step.
    const [ref, realToOurs] = await Promise.all([
      runScenario(realCli(real1.socketPath, real1.dir), files),
      runScenario(realCli(ours1.socketPath, ours1.dir), files),
    ]);
    reference = ref;
    results.set('real CLI -> tspire server', realToOurs);
    const [oursToReal, oursToOurs] = await Promise.all([
      runScenario(ourCli(real2.socketPath, real2.dir), files),
      runScenario(ourCli(ours2.socketPath, ours2.dir), files),
    ]);
    results.set('tspire CLI -> real server', oursToReal);
    results.set('tspire CLI -> tspire server', oursToOurs);
    const dump = process.env['TSPIRE_CLI_COMPARE_DUMP'];
    if (dump) writeFileSync(dump, JSON.stringify({ reference, ...Object.fromEntries(results) }, null, 2));
  });

  after(async () => {
    await Promise.all([...real.map((s) => s.stop()), ...ours.map((s) => s.stop())]);
    tmp.cleanup();
  });

  test('the reference run itself succeeded where it should', () => {
    const byStep = new Map(reference.map((o) => [o.step, o]));
    for (const step of ['healthcheck', 'token generate -spiffeID', 'entry create (all fields)', 'entry show', 'entry delete', 'bundle show']) {
      assert.equal(byStep.get(step)?.code, 0, `${step}: ${JSON.stringify(byStep.get(step))}`);
    }
    assert.equal(byStep.get('entry create (duplicate)')?.code, 1);
    assert.match(byStep.get('entry show')?.stdout ?? '', /^Found 5 entries\n/);
  });

  SCENARIO.forEach((step, i) => {
    for (const combo of COMBOS) {
      const known = combo.endsWith('tspire server') ? KNOWN_SERVER_DIFFERENCES[step.name] : undefined;
      test(`${step.name} | ${combo}`, known === undefined ? {} : { todo: known }, () => {
        const expected = reference[i];
        const actual = results.get(combo)?.[i];
        assert.ok(expected && actual, 'the scenario did not run');
        assertSameOutput(expected, actual);
      });
    }
  });
});
