/**
 * User and group names from /etc/passwd and /etc/group, the way Go's os/user (pure Go) reads
 * them for SPIRE: `name:password:id:...` lines, the first line with the id wins, comments and
 * NIS `+`/`-` lines are skipped. No NSS (LDAP, sssd): names only such sources know are not found.
 */

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
