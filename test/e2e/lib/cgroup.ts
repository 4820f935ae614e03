/**
 * A throwaway cgroup that makes a process look like it runs in a Docker container: as root, a
 * directory `<hierarchy>/<unique>/docker/<64-hex id>` is created (cgroup v1 pids hierarchy, else
 * the v2 unified one), so /proc/<pid>/cgroup of a process moved into it shows `.../docker/<id>`,
 * the cgroupfs-driver layout the docker attestor reads. remove() deletes the directories again
 * (once the processes in it have exited).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Hierarchies tried in order: v1 pids (hybrid and v1 hosts), then cgroup v2. */
const HIERARCHIES = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

export interface FakeContainerCgroup {
  readonly containerId: string;
  /** The cgroup directory. */
  readonly path: string;
  /** Moves `pid` into the cgroup. */
  add(pid: number): void;
  /** Removes the directories (retries briefly while exited processes are being reaped). */
  remove(): Promise<void>;
}

/**
 * Creates the cgroup, or returns the reason it cannot (not root, no writable hierarchy) so the
 * caller can skip with it.
 */
export function createContainerCgroup(): FakeContainerCgroup | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'creating a cgroup needs root' };
  const containerId = randomBytes(32).toString('hex');
  const unique = `tspire-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
  const reasons: string[] = [];
  for (const hierarchy of HIERARCHIES) {
    if (!existsSync(join(hierarchy, 'cgroup.procs'))) {
      reasons.push(`${hierarchy}: not a cgroup hierarchy`);
      continue;
    }
    const top = join(hierarchy, unique);
    const path = join(top, 'docker', containerId);
    try {
      mkdirSync(path, { recursive: true });
    } catch (err) {
      reasons.push(`${hierarchy}: ${(err as Error).message}`);
      removeDirs([path, join(top, 'docker'), top]);
      continue;
    }
    const dirs = [path, join(top, 'docker'), top];
    return {
      containerId,
      path,
      add: (pid) => writeFileSync(join(path, 'cgroup.procs'), `${pid}\n`),
      remove: async () => {
        const deadline = Date.now() + 5_000;
        for (;;) {
          const left = removeDirs(dirs);
          if (left === undefined) return;
          if (Date.now() > deadline) throw new Error(`cannot remove cgroup ${left}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    };
  }
  return { skip: `no writable cgroup hierarchy (${reasons.join('; ')})` };
}

/** rmdir each existing directory, innermost first; returns the first one that would not go. */
function removeDirs(dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    try {
      rmdirSync(dir);
    } catch {
      return dir;
    }
  }
  return undefined;
}
