/**
 * User and group names from /etc/passwd and /etc/group, the way Go's os/user (pure Go) reads
 * them for SPIRE: `name:password:id:...` lines, the first line with the id wins, comments and
 * NIS `+`/`-` lines are skipped. No NSS (LDAP, sssd): names only such sources know are not found.
 * The parsed files are kept until their inode, size or mtime changes (one stat each per caller
 * instead of reading and parsing both files on every Workload API connection).
 */
import { statSync } from 'node:fs';

/** A snapshot of both files: a name, or undefined when the id has none. */
export interface AccountNames {
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
}

/**
 * id -> name for a passwd- or group-format file (the id is the third field in both).
 * @example namesById('root:x:0:0:root:/root:/bin/bash\n').get('0') // 'root'
 */
export function namesById(content: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const rawLine of content.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    const [name, , id] = fields;
    if (fields.length < 3 || name === undefined || name === '' || id === undefined || !/^\d+$/.test(id)) continue;
    if (!names.has(id)) names.set(id, name);
  }
  return names;
}

/**
 * Both files parsed once; a file that cannot be read gives no names (its selectors are left
 * out, as SPIRE does when a lookup fails) and is reported through `onReadError`.
 */
export async function loadAccountNames(
  readFile: (path: string) => Promise<string>,
  paths: { passwd: string; group: string },
  onReadError: (path: string, err: unknown) => void,
): Promise<AccountNames> {
  const load = async (path: string): Promise<Map<string, string>> => {
    try {
      return namesById(await readFile(path));
    } catch (err) {
      onReadError(path, err);
      return new Map();
    }
  };
  const [users, groups] = await Promise.all([load(paths.passwd), load(paths.group)]);
  return { userName: (uid) => users.get(String(uid)), groupName: (gid) => groups.get(String(gid)) };
}

/** A cheap fingerprint of a file (inode, size, mtime); throws when it cannot be had. */
export type FileFingerprint = (path: string) => string;

export const statFingerprint: FileFingerprint = (path) => {
  const stat = statSync(path, { bigint: true });
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
};

/**
 * loadAccountNames, remembered while neither file changes. Without `fingerprint` (tests with a
 * fake readFile) every call reads again.
 */
export function cachedAccountNames(
  readFile: (path: string) => Promise<string>,
  paths: { passwd: string; group: string },
  onReadError: (path: string, err: unknown) => void,
  fingerprint?: FileFingerprint,
): () => Promise<AccountNames> {
  let cached: { key: string; names: Promise<AccountNames> } | undefined;
  const keyOf = (): string | undefined => {
    if (fingerprint === undefined) return undefined;
    try {
      return `${fingerprint(paths.passwd)}|${fingerprint(paths.group)}`;
    } catch {
      return undefined; // a file that cannot be stat'ed is read (and its error reported) each time
    }
  };
  return () => {
    const key = keyOf();
    if (key !== undefined && cached?.key === key) return cached.names;
    const names = loadAccountNames(readFile, paths, onReadError);
    cached = key === undefined ? undefined : { key, names };
    return names;
  };
}
