/**
 * Tells the consuming process that new files are on disk, as spiffe-helper does: the first call
 * launches `cmd` with `cmd_args` (no shell, stdin closed, stdout/stderr inherited); later calls
 * send `renew_signal` to it, or launch it again if it has exited. Independently, the process whose
 * PID is in `pid_file_name` gets `renew_signal` on every call.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from '@tspire/common';

/** A launched process as the notifier sees it. */
export interface ManagedChild {
  readonly pid: number | undefined;
  /** True once the process has exited (or failed to start). */
  readonly exited: boolean;
  kill(signal: NodeJS.Signals): void;
}

export type SpawnFn = (cmd: string, args: readonly string[]) => ManagedChild;

export interface NotifierDeps {
  readonly spawn: SpawnFn;
  /** process.kill. */
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  readonly readFile: (path: string) => Promise<string>;
  readonly logger: Logger;
}

export interface NotifierConfig {
  readonly cmd: string;
  readonly cmdArgs: readonly string[];
  readonly renewSignal: NodeJS.Signals | undefined;
  readonly pidFileName: string | undefined;
}

/** Spawns with node:child_process: no shell, stdin from /dev/null, output inherited. */
export const nodeSpawn: SpawnFn = (cmd, args) => {
  const child = spawn(cmd, [...args], { stdio: ['ignore', 'inherit', 'inherit'], shell: false });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true)); // e.g. ENOENT: treated as exited, relaunched next time
  return {
    get pid() {
      return child.pid;
    },
    get exited() {
      return exited;
    },
    kill: (signal) => void child.kill(signal),
  };
};

export const nodeNotifierDeps = (logger: Logger): NotifierDeps => ({
  spawn: nodeSpawn,
  kill: (pid, signal) => void process.kill(pid, signal),
  readFile: (path) => readFile(path, 'utf8'),
  logger,
});

export class ProcessNotifier {
  private child: ManagedChild | undefined;

  constructor(
    private readonly config: NotifierConfig,
    private readonly deps: NotifierDeps,
  ) {}

  /** The launched process, if any (for shutdown and tests). */
  get process(): ManagedChild | undefined {
    return this.child;
  }

  /** Launch, relaunch or signal after a write. Never throws: failures are logged. */
  async notify(): Promise<void> {
    this.notifyCmd();
    await this.signalPidFile();
  }

  private notifyCmd(): void {
    const { cmd, cmdArgs, renewSignal } = this.config;
    if (cmd === '') return;
    if (this.child === undefined || this.child.exited) {
      this.launch(cmd, cmdArgs);
      return;
    }
    if (renewSignal === undefined) return;
    try {
      this.child.kill(renewSignal);
      this.deps.logger.info('Signalled process', { pid: this.child.pid, signal: renewSignal });
    } catch (err) {
      this.deps.logger.error('Unable to signal process', { pid: this.child.pid, signal: renewSignal, error: (err as Error).message });
    }
  }

  private launch(cmd: string, args: readonly string[]): void {
    const again = this.child !== undefined;
    try {
      this.child = this.deps.spawn(cmd, args);
      this.deps.logger.info(again ? 'Process exited; relaunched it' : 'Launched process', { cmd, pid: this.child.pid });
    } catch (err) {
      this.deps.logger.error('Unable to launch process', { cmd, error: (err as Error).message });
    }
  }

  private async signalPidFile(): Promise<void> {
    const { pidFileName, renewSignal } = this.config;
    if (pidFileName === undefined || renewSignal === undefined) return;
    try {
      const pid = parsePidFile(await this.deps.readFile(pidFileName));
      this.deps.kill(pid, renewSignal);
      this.deps.logger.info('Signalled process from pid file', { pid_file_name: pidFileName, pid, signal: renewSignal });
    } catch (err) {
      this.deps.logger.error('Unable to signal the process in the pid file', { pid_file_name: pidFileName, error: (err as Error).message });
    }
  }
}

/**
 * The PID is the first line of the file (a plain pid file has only that line; PostgreSQL's
 * postmaster.pid has more lines after it).
 */
export function parsePidFile(text: string): number {
  const first = (text.split('\n')[0] ?? '').trim();
  if (!/^[0-9]+$/.test(first)) throw new Error(`the pid file does not start with a process ID (found ${JSON.stringify(first.slice(0, 20))})`);
  const pid = Number(first);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`${first} is not a process ID`);
  return pid;
}
