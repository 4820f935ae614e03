/**
 * The `unix` workload attestor: selectors from the kernel's view of the calling process.
 * - `uid:<euid>`, `user:<name>`, `gid:<egid>`, `group:<name>` from /proc/<pid>/status and
 *   /etc/passwd, /etc/group (a name that cannot be resolved is left out, as SPIRE does);
 * - `supplementary_gid:<gid>` and `supplementary_group:<name>` for each id of `Groups:`;
 * - with discover_workload_path: `path:<readlink /proc/<pid>/exe>` and, unless
 *   workload_size_limit < 0, `sha256:<hex>` of the binary, bounded by that limit (0 = none).
 * The hash is read through /proc/<pid>/exe itself, not the path: that is the very inode the
 * process runs, even when it lives in another mount namespace or was replaced on disk since.
 */
import { readlink as fsReadlink, type FileHandle } from 'node:fs/promises';
import { nullLogger, type Logger } from '@tspire/common';
import { WorkloadAttestorError } from '../errors.js';
import type { Selector, WorkloadAttestor } from '../workload-attestor.js';
import { cachedAccountNames, statFingerprint } from './account-names.js';
import type { UnixAttestorConfig } from './config.js';
import { parseProcStatus } from './proc-status.js';
import { readSmallFile } from '../../../util/read-small-file.js';
import { sha256File } from './sha256-file.js';

export const UNIX_ATTESTOR_NAME = 'unix';

export interface UnixAttestorDeps {
  /** default '/proc' */
  procRoot?: string;
  /** default '/etc/passwd' */
  passwdPath?: string;
  /** default '/etc/group' */
  groupPath?: string;
  /** Reads /proc/<pid>/status, /etc/passwd and /etc/group; default readSmallFile (one synchronous read, UTF-8). */
  readFile?: (path: string) => Promise<string>;
  /** Reads /proc/<pid>/exe; default fs.promises.readlink. */
  readlink?: (path: string) => Promise<string>;
  /** Opens the binary to hash; default fs.promises.open(path, 'r'). */
  openFile?: (path: string) => Promise<FileHandle>;
  logger?: Logger;
}

/**
 * @example
 * const attestor = createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: 0 });
 * await attestor.attest(pid) // [{ type: 'unix', value: 'uid:1000' }, { type: 'unix', value: 'user:alice' }, ...]
 */
export function createUnixAttestor(config: UnixAttestorConfig, deps: UnixAttestorDeps = {}): WorkloadAttestor {
  const procRoot = deps.procRoot ?? '/proc';
  const readFile = deps.readFile ?? readSmallFile;
  const readlink = deps.readlink ?? fsReadlink;
  const logger = deps.logger ?? nullLogger;
  const paths = { passwd: deps.passwdPath ?? '/etc/passwd', group: deps.groupPath ?? '/etc/group' };
  // Injected readers (tests) read every time; the real files are re-read only when they change.
  const accountNames = cachedAccountNames(readFile, paths, (path, err) =>
    logger.warn('Failed to read account names; user and group selectors are left out', { path, error: (err as Error).message }),
    deps.readFile === undefined ? statFingerprint : undefined,
  );

  async function fromProc<T>(pid: number, what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      const gone = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (the process is gone)' : '';
      throw new WorkloadAttestorError('ERR_AGENT_UNIX_ATTESTATION', `cannot read ${what} of pid ${pid}${gone}: ${(err as Error).message}`, { cause: err });
    }
  }

  return {
    name: UNIX_ATTESTOR_NAME,
    async attest(pid: number): Promise<Selector[]> {
      if (!Number.isSafeInteger(pid) || pid <= 0) throw new TypeError(`pid must be a positive integer, got ${String(pid)}`);
      const status = await fromProc(pid, 'the status', () => readFile(`${procRoot}/${pid}/status`));
      const ids = parseProcStatus(status, pid);
      const names = await accountNames();

      const values: string[] = [`uid:${ids.uid}`];
      const add = (key: string, name: string | undefined): void => {
        if (name !== undefined) values.push(`${key}:${name}`);
      };
      add('user', names.userName(ids.uid));
      values.push(`gid:${ids.gid}`);
      add('group', names.groupName(ids.gid));
      for (const gid of ids.supplementaryGids) {
        values.push(`supplementary_gid:${gid}`);
        add('supplementary_group', names.groupName(gid));
      }

      if (config.discoverWorkloadPath) {
        const exeLink = `${procRoot}/${pid}/exe`;
        values.push(`path:${await fromProc(pid, 'the executable path', () => readlink(exeLink))}`);
        if (config.workloadSizeLimit >= 0) values.push(`sha256:${await sha256File(exeLink, config.workloadSizeLimit, deps.openFile)}`);
      }
      return values.map((value) => ({ type: UNIX_ATTESTOR_NAME, value }));
    },
  };
}
