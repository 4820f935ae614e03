/**
 * The PID-reuse guard. Peer credentials give the caller's PID at connect time, but attestors
 * read /proc/<pid> later: if the caller exited in between and the PID was reused, they would
 * describe another process. So the process start time (field 22 of /proc/<pid>/stat, clock
 * ticks since boot, fixed for a process's life) is read when the credentials are taken and read
 * again after attestation: a different value, or no process, fails closed.
 *
 * Residual window: between accept and the first stat read the PID would have to be freed and
 * handed out again, i.e. the kernel would have to cycle through pid_max PIDs in that instant.
 */
import { readSmallFile } from '../util/read-small-file.js';
import { PeerCredError } from './errors.js';

export interface ProcReaderDeps {
  /** default '/proc' */
  procRoot?: string;
  /** default readSmallFile (one synchronous read of the in-memory /proc file, UTF-8) */
  readFile?: (path: string) => Promise<string>;
}

/** A process pinned by its PID and start time. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat, as written (a decimal count of clock ticks since boot). */
  readonly startTime: string;
}

const defaultReadFile = readSmallFile;

/**
 * Parses the start time out of a /proc/<pid>/stat line. The command name (field 2) is in
 * parentheses and may hold spaces and ')' itself, so fields are counted after the last ')'.
 * @example processStartTime('42 (a b) S 1 ... 12345 ...', 42) // field 22
 * @throws PeerCredError ERR_AGENT_PEERCRED_UNAVAILABLE when the line is malformed or for another PID.
 */
export function processStartTime(stat: string, pid: number): string {
  const malformed = (why: string): never => {
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `/proc/${pid}/stat is malformed: ${why}`);
  };
  const open = stat.indexOf(' (');
  const close = stat.lastIndexOf(')');
  if (open <= 0 || close < open) return malformed('no "(comm)" field');
  if (stat.slice(0, open) !== String(pid)) return malformed(`it is for pid ${JSON.stringify(stat.slice(0, open))}`);
  // After "(comm)" come single-space separated fields 3 (state), 4, ...: skip to field 22
  // (a scan, not a split: this runs twice per Workload API connection).
  let at = close + 2;
  for (let field = 3; field < 22 && at > 0; field++) at = stat.indexOf(' ', at) + 1;
  const end = stat.indexOf(' ', at);
  const startTime = at > 0 ? stat.slice(at, end < 0 ? undefined : end).trim() : undefined;
  if (startTime === undefined || !/^\d+$/.test(startTime)) return malformed('field 22 (starttime) is missing or not a number');
  return startTime;
}

/**
 * Pins the process `pid`: read this right after taking the peer credentials.
 * @throws PeerCredError ERR_AGENT_PEER_PROCESS_CHANGED when the process is already gone.
 */
export async function identifyProcess(pid: number, deps: ProcReaderDeps = {}): Promise<ProcessIdentity> {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new TypeError(`pid must be a positive integer, got ${String(pid)}`);
  return { pid, startTime: await readStartTime(pid, deps, 'exited before it could be attested') };
}

/**
 * Checks that `identity.pid` is still the same process (same start time).
 * @throws PeerCredError ERR_AGENT_PEER_PROCESS_CHANGED when it exited or the PID was reused.
 */
export async function checkSameProcess(identity: ProcessIdentity, deps: ProcReaderDeps = {}): Promise<void> {
  const now = await readStartTime(identity.pid, deps, 'exited during attestation');
  if (now !== identity.startTime) {
    throw new PeerCredError(
      'ERR_AGENT_PEER_PROCESS_CHANGED',
      `pid ${identity.pid} was reused during attestation (start time ${identity.startTime}, now ${now}): the caller is gone`,
    );
  }
}

/**
 * Runs `attest(pid)` between pinning the process and checking it again; the result is only
 * returned when the process is the same one throughout.
 * @example
 * const { pid } = peerCredentials(socket);
 * const selectors = await attestWithPidGuard(pid, (p) => unixAttestor.attest(p));
 */
export async function attestWithPidGuard<T>(pid: number, attest: (pid: number) => Promise<T>, deps: ProcReaderDeps = {}): Promise<T> {
  const identity = await identifyProcess(pid, deps);
  const result = await attest(pid);
  await checkSameProcess(identity, deps);
  return result;
}

async function readStartTime(pid: number, deps: ProcReaderDeps, goneReason: string): Promise<string> {
  const path = `${deps.procRoot ?? '/proc'}/${pid}/stat`;
  let stat: string;
  try {
    stat = await (deps.readFile ?? defaultReadFile)(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      throw new PeerCredError('ERR_AGENT_PEER_PROCESS_CHANGED', `the calling process ${pid} ${goneReason}`, { cause: err });
    }
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return processStartTime(stat, pid);
}
