/**
 * Helpers for end-to-end tests: start the real compiled bins as child processes, run CLI
 * commands to completion, and wait for sockets, all with bounded timeouts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const bins = {
  spireServer: join(repoRoot, 'packages/cli/dist/bin/spire-server.js'),
  spireAgent: join(repoRoot, 'packages/cli/dist/bin/spire-agent.js'),
} as const;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a bin to completion (killed after `timeoutMs`). */
export async function run(
  bin: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** A long-running process started from a bin, with its output collected for diagnostics. */
export class Daemon {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;

  constructor(bin: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = once(this.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<[number | null, NodeJS.Signals | null]> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** Resolves once a UNIX socket accepts connections; rejects after `timeoutMs` or if `daemon` dies. */
export async function waitForSocket(path: string, daemon?: Daemon, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon && !daemon.running) throw new Error(`process exited before ${path} was ready:\n${daemon.output}`);
    if (existsSync(path) && (await canConnect(path))) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}:\n${daemon?.output ?? ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A fresh temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'tspire-e2e-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
