import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runBench, type BenchDeps, type BenchResult } from './harness.js';
import { percentile, summarize } from './stats.js';

/** A fake clock: each op advances it by the next of `opCostsNs` (cycled); reading it is free. */
function fakeDeps(opCostsNs: number[]) {
  let clock = 0n;
  let index = 0;
  const written: Array<{ path: string; text: string }> = [];
  const logged: string[] = [];
  const deps: BenchDeps = {
    now: () => clock,
    resultsDir: '/results',
    writeFile: (path, text) => written.push({ path, text }),
    log: (line) => logged.push(line),
    memoryUsage: () => ({ rss: 50 * 2 ** 20, heapUsed: 10 * 2 ** 20 }),
    cpus: () => [{ model: 'Test CPU @ 1GHz ' }, { model: 'Test CPU @ 1GHz' }],
    date: () => new Date('2030-01-02T03:04:05.000Z'),
    env: {},
  };
  const op = () => {
    clock += BigInt(opCostsNs[index++ % opCostsNs.length] ?? 0);
  };
  return { deps, op, written, logged, calls: () => index };
}

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 95), 95);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 100), 100);
    assert.equal(percentile(Float64Array.of(7), 99), 7);
    assert.throws(() => percentile(new Float64Array(0), 50), RangeError);
    assert.throws(() => percentile(sorted, 0), RangeError);
  });

  it('summarises unsorted samples without changing them', () => {
    const samples = [5, 1, 4, 2, 3];
    const summary = summarize(samples);
    assert.deepEqual(summary, { p50: 3, p95: 5, p99: 5, mean: 3, min: 1, max: 5 });
    assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  });
});

describe('runBench', () => {
  it('measures latency and throughput from the clock and records every field', async () => {
    // 1 ms per op, except every 10th op which takes 10 ms: 50 cycles of 19 ms fill 950 ms.
    const costs = [...Array<number>(9).fill(1e6), 10e6];
    const { deps, op, written, logged } = fakeDeps(costs);
    const result = await runBench({ name: 'fake', warmupMs: 0, durationMs: 950, op }, deps);

    assert.equal(result.samples, result.ops);
    assert.equal(result.ops, 500);
    assert.equal(result.elapsedMs, 950);
    assert.equal(Math.round(result.opsPerSec), 526);
    assert.equal(result.p50Ms, 1);
    assert.equal(result.p95Ms, 10);
    assert.equal(result.p99Ms, 10);
    assert.equal(result.minMs, 1);
    assert.equal(result.maxMs, 10);

    assert.equal(written.length, 1);
    assert.equal(written[0]?.path, '/results/fake.json');
    const json = JSON.parse(written[0]?.text ?? '') as BenchResult;
    assert.deepEqual(json, result);
    assert.ok(written[0]?.text.startsWith('{\n  "name": "fake",\n'), 'pretty-printed with 2 spaces');
    for (const field of ['opsPerSec', 'p50Ms', 'p95Ms', 'p99Ms', 'rssBytes', 'nodeVersion', 'cpuModel', 'cpuCount', 'date']) {
      assert.ok(field in json, `missing ${field}`);
    }
    assert.equal(json.rssBytes, 50 * 2 ** 20);
    assert.equal(json.cpuModel, 'Test CPU @ 1GHz');
    assert.equal(json.cpuCount, 2);
    assert.equal(json.nodeVersion, process.version);
    assert.equal(json.date, '2030-01-02T03:04:05.000Z');

    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /^fake: 526 ops\/s {2}p50 1\.000 ms {2}p95 10\.000 ms {2}p99 10\.000 ms {2}rss 50\.0 MiB/);
  });

  it('warms up before measuring and reports per-op latency of a batch', async () => {
    const { deps, op, calls } = fakeDeps([2e6]);
    const result = await runBench({ name: 'batched', warmupMs: 100, durationMs: 200, batch: 10, op }, deps);
    assert.equal(result.samples, 10); // 10 batches of 10 ops of 2 ms
    assert.equal(result.ops, 100);
    assert.equal(result.p50Ms, 2);
    assert.equal(result.opsPerSec, 500);
    assert.equal(calls(), 50 + 100); // 50 warm-up ops, then 100 measured
  });

  it('awaits asynchronous operations', async () => {
    const { deps, op } = fakeDeps([1e6]);
    let settled = 0;
    const asyncOp = async () => {
      await Promise.resolve();
      op();
      settled++;
    };
    const result = await runBench({ name: 'async', warmupMs: 0, durationMs: 5, op: asyncOp }, deps);
    assert.equal(result.ops, 5);
    assert.equal(settled, 5);
  });

  it('lets BENCH_WARMUP_MS and BENCH_DURATION_MS override the options', async () => {
    const { deps, op } = fakeDeps([1e6]);
    const result = await runBench(
      { name: 'env', warmupMs: 1000, durationMs: 1000, op },
      { ...deps, env: { BENCH_WARMUP_MS: '0', BENCH_DURATION_MS: '3' } },
    );
    assert.equal(result.ops, 3);
    assert.equal(result.durationMs, 3);
  });

  it('rejects unsafe names and bad numbers before running', async () => {
    const { deps, op, calls } = fakeDeps([1e6]);
    const bad = [
      { name: '../escape', warmupMs: 0, durationMs: 1 },
      { name: 'ok', warmupMs: -1, durationMs: 1 },
      { name: 'ok', warmupMs: 0, durationMs: 0 },
      { name: 'ok', warmupMs: 0, durationMs: 1, batch: 0 },
      { name: 'ok', warmupMs: 0, durationMs: 1, batch: 1.5 },
    ];
    for (const options of bad) await assert.rejects(runBench({ ...options, op }, deps));
    await assert.rejects(runBench({ name: 'ok', warmupMs: 0, durationMs: 1, op }, { ...deps, env: { BENCH_DURATION_MS: 'soon' } }), /BENCH_DURATION_MS/);
    assert.equal(calls(), 0);
  });
});
