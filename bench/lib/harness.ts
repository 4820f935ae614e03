/**
 * A small benchmark harness: warm up, then time batches of an operation until the duration is
 * spent, and record throughput, latency percentiles and the machine it ran on as
 * bench/results/<name>.json. Each benchmark file runs in its own node process
 * (scripts/run-bench.mjs), so one benchmark's garbage and JIT state never skew another's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './stats.js';

export interface BenchOptions {
  /** Names the result file (`<name>.json`): letters, digits, ".", "-", "_". */
  readonly name: string;
  /** Time to run the operation untimed first, so the JIT has settled. */
  readonly warmupMs: number;
  /** Time to spend measuring. */
  readonly durationMs: number;
  /** The operation; awaited only when it returns a promise. */
  readonly op: () => void | Promise<void>;
  /**
   * Operations per timed sample (default 1). Raise it for sub-microsecond operations, where the
   * cost of reading the clock would otherwise dominate; latencies are then per-op averages of a batch.
   */
  readonly batch?: number;
}

export interface BenchResult {
  readonly name: string;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Operations run while measuring. */
  readonly ops: number;
  /** Timed samples (each of `batch` operations). */
  readonly samples: number;
  readonly batch: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Wall time actually spent measuring. */
  readonly elapsedMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly nodeVersion: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly platform: string;
  /** When the benchmark finished, ISO 8601. */
  readonly date: string;
}

/** What the harness reads from the world; tests replace these. */
export interface BenchDeps {
  /** Monotonic clock in nanoseconds. */
  readonly now?: () => bigint;
  readonly resultsDir?: string;
  readonly writeFile?: (path: string, text: string) => void;
  readonly log?: (line: string) => void;
  readonly memoryUsage?: () => { rss: number; heapUsed: number };
  readonly cpus?: () => Array<{ model: string }>;
  readonly date?: () => Date;
  /** BENCH_WARMUP_MS and BENCH_DURATION_MS override the options (e.g. for a quick smoke run). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));

function defaultWriteFile(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function checkOptions(name: string, warmupMs: number, durationMs: number, batch: number): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`bench name ${JSON.stringify(name)} is not a safe file name`);
  if (!(Number.isFinite(warmupMs) && warmupMs >= 0)) throw new Error(`${name}: warmupMs must be >= 0, got ${warmupMs}`);
  if (!(Number.isFinite(durationMs) && durationMs > 0)) throw new Error(`${name}: durationMs must be > 0, got ${durationMs}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`${name}: batch must be an integer >= 1, got ${batch}`);
}

function envMs(env: Readonly<Record<string, string | undefined>>, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${key} must be a number of milliseconds, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Runs `op` in batches until `ns` nanoseconds have passed. Calls `onSample` with each batch's
 * duration. A synchronous op never touches the event loop; an async one is awaited in turn.
 */
async function runFor(
  op: BenchOptions['op'],
  batch: number,
  ns: bigint,
  now: () => bigint,
  onSample?: (batchNs: bigint) => void,
): Promise<{ batches: number; elapsedNs: bigint }> {
  const start = now();
  let batches = 0;
  let end = start;
  while (end - start < ns) {
    const t0 = now();
    for (let i = 0; i < batch; i++) {
      const pending = op();
      if (pending !== undefined) await pending;
    }
    end = now();
    onSample?.(end - t0);
    batches++;
  }
  return { batches, elapsedNs: end - start };
}

function formatSummary(r: BenchResult): string {
  const ms = (v: number) => (v < 0.01 ? v.toPrecision(3) : v.toFixed(3));
  const ops = Math.round(r.opsPerSec).toLocaleString('en-US');
  return (
    `${r.name}: ${ops} ops/s  p50 ${ms(r.p50Ms)} ms  p95 ${ms(r.p95Ms)} ms  p99 ${ms(r.p99Ms)} ms  ` +
    `rss ${(r.rssBytes / 2 ** 20).toFixed(1)} MiB  (${r.samples} samples x ${r.batch}, node ${r.nodeVersion}, ` +
    `${r.cpuCount} x ${r.cpuModel})`
  );
}

/**
 * Runs one benchmark, writes `<resultsDir>/<name>.json` and prints a one-line summary.
 * @example
 * await runBench({ name: 'spiffe-id-parse', warmupMs: 500, durationMs: 3000, batch: 100,
 *   op: () => { SpiffeId.parse('spiffe://example.org/web'); } });
 */
export async function runBench(options: BenchOptions, deps: BenchDeps = {}): Promise<BenchResult> {
  const env = deps.env ?? process.env;
  const { name, op } = options;
  const batch = options.batch ?? 1;
  const warmupMs = envMs(env, 'BENCH_WARMUP_MS', options.warmupMs);
  const durationMs = envMs(env, 'BENCH_DURATION_MS', options.durationMs);
  checkOptions(name, warmupMs, durationMs, batch);
  const now = deps.now ?? (() => process.hrtime.bigint());
  const toNs = (ms: number) => BigInt(Math.round(ms * 1e6));

  await runFor(op, batch, toNs(warmupMs), now);
  const perOpMs: number[] = [];
  const measured = await runFor(op, batch, toNs(durationMs), now, (batchNs) => {
    perOpMs.push(Number(batchNs) / 1e6 / batch);
  });

  const latency = summarize(perOpMs);
  const memory = (deps.memoryUsage ?? (() => process.memoryUsage()))();
  const cpus = (deps.cpus ?? (() => os.cpus()))();
  const ops = measured.batches * batch;
  const elapsedMs = Number(measured.elapsedNs) / 1e6;
  const result: BenchResult = {
    name,
    opsPerSec: elapsedMs > 0 ? ops / (elapsedMs / 1000) : 0,
    p50Ms: latency.p50,
    p95Ms: latency.p95,
    p99Ms: latency.p99,
    meanMs: latency.mean,
    minMs: latency.min,
    maxMs: latency.max,
    ops,
    samples: measured.batches,
    batch,
    warmupMs,
    durationMs,
    elapsedMs,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    nodeVersion: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    platform: `${process.platform}-${process.arch}`,
    date: (deps.date ?? (() => new Date()))().toISOString(),
  };

  const path = join(deps.resultsDir ?? DEFAULT_RESULTS_DIR, `${name}.json`);
  (deps.writeFile ?? defaultWriteFile)(path, JSON.stringify(result, null, 2) + '\n');
  (deps.log ?? console.log)(formatSummary(result));
  return result;
}
