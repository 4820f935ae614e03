/**
 * The real peers installed by scripts/interop/install.mjs into .interop/ (status.json says which
 * are usable), and helpers to run them: one-shot commands and long-running daemons. A test whose
 * peer is missing skips with the installer's reason, never silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot, type RunResult } from '../../e2e/lib/processes.js';

export const interopDir = process.env['TSPIRE_INTEROP_DIR'] ?? join(repoRoot, '.interop');

export type PeerName =
  | 'spire-server'
  | 'spire-agent'
  | 'spiffe-helper'
  | 'go-spiffe:workloadclient'
  | 'go-spiffe:mtls'
  | 'py-spiffe';

interface PeerStatus {
  readonly ok: boolean;
  readonly path?: string;
  readonly reason?: string;
}

function readStatus(): Record<string, PeerStatus> | undefined {
  const file = join(interopDir, 'status.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { peers: Record<string, PeerStatus> }).peers;
}

/** `false` when every peer is usable, else the skip message naming what is missing and why. */
export function missingPeers(...names: PeerName[]): string | false {
  const status = readStatus();
  if (!status) return `interop peers are not installed: run \`node scripts/interop/install.mjs\` (npm run test:interop does)`;
  const reasons: string[] = [];
  for (const name of names) {
    const peer = status[name];
    if (!peer) reasons.push(`${name}: not in ${join(interopDir, 'status.json')} (re-run the installer)`);
    else if (!peer.ok) reasons.push(`${name} unavailable: ${peer.reason ?? 'unknown reason'}`);
    else if (!peer.path || !existsSync(peer.path)) reasons.push(`${name}: ${peer.path ?? '(no path)'} is missing (re-run the installer)`);
  }
  if (reasons.length > 0) console.log(`# interop skip: ${reasons.join('; ')}`);
  return reasons.length > 0 ? reasons.join('; ') : false;
}

/** The installed path of a peer (call only after missingPeers said it is there). */
export function peerPath(name: PeerName): string {
  const path = readStatus()?.[name]?.path;
  if (!path) throw new Error(`peer ${name} is not installed`);
  return path;
}

/** Runs a native executable to completion (SIGKILL after `timeoutMs`). */
export async function runNative(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawn(file, args, { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/**
 * A long-running native process with its output collected; same shape as e2e's Daemon so the
 * e2e wait helpers (waitForSocket, waitForOutput) accept it.
 */
export class NativeDaemon {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;

  constructor(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(file, args, { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = once(this.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<[number | null, NodeJS.Signals | null]> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** A TCP port on 127.0.0.1 free right now (for peers that cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Calls `attempt` until it returns a value (not undefined), every `everyMs`, for at most `timeoutMs`. */
export async function pollUntil<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 45_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
