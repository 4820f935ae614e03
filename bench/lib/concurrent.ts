/**
 * Closed-loop load with N callers: each caller runs `op` back to back until the time is spent
 * (warm-up first, untimed), every call's latency is kept. Results are written in the harness's
 * format (bench/results/<name>.json: opsPerSec, p50Ms ..., machine fields) plus `concurrency`
 * and whatever `extra` a benchmark adds, so they compare with single-caller runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './stats.js';

const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));

export interface ConcurrentRun {
  readonly concurrency: number;
  /** Per-call latencies, in completion order. */
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
}

export interface ConcurrentOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly op: () => Promise<unknown>;
  /** Monotonic milliseconds; default performance.now. */
  readonly now?: () => number;
  /** Called when the warm-up is over and measuring starts (e.g. to read a server's CPU time). */
  readonly onMeasureStart?: () => void;
}

function envMs(key: string, fallback: number): number {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a number of milliseconds, got ${JSON.stringify(raw)}`);
  return value;
}

/** Runs the load; BENCH_WARMUP_MS and BENCH_DURATION_MS override the times, as in runBench. */
export async function runConcurrent(options: ConcurrentOptions): Promise<ConcurrentRun> {
  const { concurrency, op } = options;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`concurrency must be an integer >= 1, got ${concurrency}`);
  const now = options.now ?? (() => performance.now());
  const warmupMs = envMs('BENCH_WARMUP_MS', options.warmupMs);
  const durationMs = envMs('BENCH_DURATION_MS', options.durationMs);
  const loop = async (untilMs: number, latencies?: number[]) => {
    while (now() < untilMs) {
      const t0 = now();
      await op();
      latencies?.push(now() - t0);
    }
  };
  const callers = Array.from({ length: concurrency });
  const warmEnd = now() + warmupMs;
  await Promise.all(callers.map(() => loop(warmEnd)));
  const latenciesMs: number[] = [];
  options.onMeasureStart?.();
  const started = now();
  await Promise.all(callers.map(() => loop(started + durationMs, latenciesMs)));
  return { concurrency, latenciesMs, elapsedMs: now() - started };
}

/** Calls per second over one or more runs (total calls / total measured time). */
export function callsPerSec(runs: readonly ConcurrentRun[]): number {
  const calls = runs.reduce((n, r) => n + r.latenciesMs.length, 0);
  const ms = runs.reduce((n, r) => n + r.elapsedMs, 0);
  return ms > 0 ? (calls * 1000) / ms : 0;
}

/** The harness's result fields for one or more runs of the same load, merged. */
export function concurrentResult<E extends Record<string, unknown>>(name: string, runs: readonly ConcurrentRun[], extra: E) {
  const first = runs[0];
  if (first === undefined) throw new Error(`${name}: no runs`);
  const latencies = runs.flatMap((r) => r.latenciesMs);
  if (latencies.length === 0) throw new Error(`${name}: no calls completed`);
  const s = summarize(latencies);
  return {
    name,
    concurrency: first.concurrency,
    opsPerSec: callsPerSec(runs),
    p50Ms: s.p50,
    p95Ms: s.p95,
    p99Ms: s.p99,
    meanMs: s.mean,
    minMs: s.min,
    maxMs: s.max,
    ops: latencies.length,
    samples: latencies.length,
    batch: 1,
    elapsedMs: runs.reduce((n, r) => n + r.elapsedMs, 0),
    ...extra,
  };
}

/** Machine fields every result carries (as the harness records them). */
export function machineInfo() {
  const cpus = os.cpus();
  const memory = process.memoryUsage();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    nodeVersion: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** Writes `bench/results/<name>.json` (pretty JSON, machine fields added) and returns the path. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`result name ${JSON.stringify(name)} is not a safe file name`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify({ name, ...result, ...machineInfo() }, null, 2)}\n`);
  return path;
}
