import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConfText, certsToPem } from './agent-process.js';
import { callsPerSec, concurrentResult, runConcurrent } from './concurrent.js';
import { kibField, procCpuMs, procMemory, procPss } from './proc-memory.js';
import { onPath } from './uid-relays.js';

describe('proc-memory', () => {
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
  it('reads kB fields of /proc status files as bytes', () => {
    assert.deepEqual(procMemory(42, () => status), { rssBytes: 100 * 2 ** 20, peakRssBytes: 200 * 2 ** 20 });
    assert.equal(procPss(42, () => 'Rss:  900 kB\nPss:   300 kB\n'), 300 * 1024);
    assert.throws(() => kibField('VmRSS: 12 MB\n', 'VmRSS'), /no VmRSS line/);
  });

  it('takes utime + stime from /proc/<pid>/stat even with spaces and parentheses in the name', () => {
    // fields after "(comm)": state(3) ... utime(14) = 250, stime(15) = 50 ticks
    const stat = `7 (a (b) c) S ${Array.from({ length: 10 }, (_, i) => i + 4).join(' ')} 250 50 0 0`;
    assert.equal(procCpuMs(7, () => stat), 3000);
  });

  it('reads this process for real', () => {
    const own = procMemory(process.pid);
    assert.ok(own.rssBytes > 0 && own.peakRssBytes >= own.rssBytes);
  });
});

describe('concurrent', () => {
  it('runs N callers until the time is spent and keeps every latency', async () => {
    let clock = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const run = await runConcurrent({
      concurrency: 3,
      warmupMs: 10,
      durationMs: 100,
      now: () => clock,
      op: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await Promise.resolve();
        clock += 5; // each call "takes" 5 ms of the shared clock
        inFlight--;
      },
    });
    assert.equal(maxInFlight, 3);
    assert.ok(run.latenciesMs.length >= 100 / 5, `${run.latenciesMs.length} calls`);
    assert.ok(run.elapsedMs >= 100);
    const result = concurrentResult('x', [run, run], { extra: 1 });
    assert.equal(result.ops, run.latenciesMs.length * 2);
    assert.equal(result.opsPerSec, callsPerSec([run]));
    assert.equal(result.extra, 1);
    assert.equal(result.concurrency, 3);
    await assert.rejects(runConcurrent({ concurrency: 0, warmupMs: 0, durationMs: 1, op: async () => {} }), /concurrency/);
    assert.throws(() => concurrentResult('empty', [], {}), /no runs/);
  });

  it('computes calls per second over several runs', () => {
    const runs = [
      { concurrency: 1, latenciesMs: [1, 1, 1], elapsedMs: 1000 },
      { concurrency: 1, latenciesMs: [1], elapsedMs: 1000 },
    ];
    assert.equal(callsPerSec(runs), 2);
    assert.equal(callsPerSec([]), 0);
  });
});

describe('agent-process', () => {
  it('writes DER certificates as PEM with 64-column lines', () => {
    const pem = certsToPem([new Uint8Array(100).fill(7), new Uint8Array([1, 2, 3])]);
    const blocks = pem.split('-----END CERTIFICATE-----\n').filter(Boolean);
    assert.equal(blocks.length, 2);
    const lines = blocks[0]!.split('\n').slice(1, -1);
    assert.ok(lines.slice(0, -1).every((l) => l.length === 64));
    assert.equal(Buffer.from(lines.join(''), 'base64').length, 100);
    assert.match(blocks[1]!, /^-----BEGIN CERTIFICATE-----\nAQID\n$/);
  });

  it('puts the socket under <dir>/public and the extra lines inside agent {}', () => {
    const conf = agentConfText('/d', 8081, { agentExtra: 'experimental { sync_interval = "200ms" }' });
    assert.match(conf, /socket_path = "\/d\/public\/api\.sock"/);
    assert.match(conf, /server_port = "8081"/);
    assert.match(conf, /log_level = "WARN"/);
    assert.ok(conf.indexOf('experimental') < conf.indexOf('plugins'));
  });
});

describe('uid-relays', () => {
  it('finds an executable on PATH, or nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspire-bench-path-'));
    try {
      writeFileSync(join(dir, 'relay-x'), '');
      assert.equal(onPath('relay-x', `/nonexistent:${dir}`), join(dir, 'relay-x'));
      assert.equal(onPath('relay-y', dir), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
