/**
 * What the agent CLI needs from the outside world, injected so tests run it in-process:
 * output streams, environment, the clocks, file writing, the Workload API dialer and the
 * signal that ends `api watch`.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { TextSink } from '../server-cli/deps.js';
import { SPIRE_COMPAT_VERSION } from '../server-cli/deps.js';
import type { Environment } from '../socket-path.js';
import { connectWorkloadApi, type WorkloadConnector } from '../workload-client.js';

export type { TextSink };

/** Writes `data` to `path` with exactly `mode` (created or truncated). */
export type FileWriter = (path: string, data: string, mode: number) => Promise<void>;

export interface AgentCliDeps {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env?: Environment;
  /** Wall clock: certificates are verified at this time. */
  readonly now?: () => Date;
  /** Monotonic milliseconds, for the `Received N svids after <duration>` line. */
  readonly monotonicMs?: () => number;
  /** Printed by -v/-version/--version. */
  readonly version?: string;
  readonly connect?: WorkloadConnector;
  readonly writeFile?: FileWriter;
  /** A signal that aborts on SIGINT/SIGTERM (ends `api watch`); `dispose` removes the handlers. */
  readonly interrupt?: () => { signal: AbortSignal; dispose(): void };
  /** Waits `ms` or until `signal` aborts (watch retry backoff). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type ResolvedAgentDeps = Required<AgentCliDeps>;

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * Like Go's os.WriteFile plus chmod (the mode holds even when the file already existed);
 * failures read as Go's `open <path>: <reason>`.
 */
const writeFileWithMode: FileWriter = async (path, data, mode) => {
  try {
    await writeFile(path, data, { mode });
    await chmod(path, mode);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = typeof code === 'string' ? ERRNO_TEXT[code] : undefined;
    if (reason === undefined) throw err;
    throw new Error(`open ${path}: ${reason}`, { cause: err });
  }
};

function processInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Fills in defaults: process env, real clocks, node:fs, the UNIX socket, process signals. */
export function resolveAgentDeps(deps: AgentCliDeps): ResolvedAgentDeps {
  return {
    stdout: deps.stdout,
    stderr: deps.stderr,
    env: deps.env ?? process.env,
    now: deps.now ?? (() => new Date()),
    monotonicMs: deps.monotonicMs ?? (() => performance.now()),
    version: deps.version ?? SPIRE_COMPAT_VERSION,
    connect: deps.connect ?? connectWorkloadApi,
    writeFile: deps.writeFile ?? writeFileWithMode,
    interrupt: deps.interrupt ?? processInterrupt,
    sleep: deps.sleep ?? sleep,
  };
}
