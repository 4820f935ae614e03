/**
 * The identity lines of /proc/<pid>/status: `Uid:` and `Gid:` (real, effective, saved, fs) and
 * `Groups:` (supplementary groups, space separated, possibly none).
 */
import { WorkloadAttestorError } from '../errors.js';

export interface ProcessIds {
  readonly uid: number;
  readonly gid: number;
  readonly supplementaryGids: readonly number[];
}

function fail(pid: number, why: string): never {
  throw new WorkloadAttestorError('ERR_AGENT_UNIX_ATTESTATION', `/proc/${pid}/status: ${why}`);
}

function numbers(pid: number, key: string, text: string): number[] {
  const fields = text.trim() === '' ? [] : text.trim().split(/\s+/);
  return fields.map((field) => {
    if (!/^\d{1,10}$/.test(field)) fail(pid, `${key} has a value that is not an id: ${JSON.stringify(field)}`);
    return Number(field);
  });
}

/**
 * The effective uid and gid (SPIRE's `unix:uid`/`unix:gid`) and the supplementary gids.
 * @example parseProcStatus('Uid:\t0\t1000\t1000\t1000\nGid:\t0\t100\t100\t100\nGroups:\t4 27\n', 7) // { uid: 1000, gid: 100, supplementaryGids: [4, 27] }
 * @throws WorkloadAttestorError ERR_AGENT_UNIX_ATTESTATION when a line is missing or malformed.
 */
export function parseProcStatus(status: string, pid: number): ProcessIds {
  // Only three of the ~55 lines matter: find them instead of splitting the whole file (this runs
  // once per Workload API connection).
  const line = (key: string): string | undefined => {
    const at = status.startsWith(`${key}:`) ? 0 : status.indexOf(`\n${key}:`) + 1;
    if (at === 0 && !status.startsWith(`${key}:`)) return undefined;
    const end = status.indexOf('\n', at);
    return status.slice(at + key.length + 1, end < 0 ? undefined : end);
  };
  const effective = (key: 'Uid' | 'Gid'): number => {
    const text = line(key);
    if (text === undefined) return fail(pid, `no ${key} line`);
    const ids = numbers(pid, key, text);
    // real, effective, saved, filesystem: SPIRE selects on the effective id.
    if (ids.length !== 4) return fail(pid, `${key} has ${ids.length} ids, expected 4`);
    return ids[1]!;
  };
  const groups = line('Groups');
  if (groups === undefined) return fail(pid, 'no Groups line');
  return { uid: effective('Uid'), gid: effective('Gid'), supplementaryGids: numbers(pid, 'Groups', groups) };
}
