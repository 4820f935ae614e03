/**
 * Tests that run workloads as other uids (setpriv) need those uids to reach the repository (the
 * CLI, the examples, the interop binaries in .interop/). A clone under a private directory
 * (mktemp -d is 0700) is not reachable; such tests then skip with this reason instead of failing
 * with "Cannot find module". `.ci/run` re-clones into a reachable directory, so CI never skips.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './processes.js';

/** False when root can run processes as `uid` that read the repository; else why not. */
export function otherUidSkipReason(uid: number, gid: number = uid): string | false {
  if (process.getuid?.() !== 0) return 'needs root to run workloads as other uids with setpriv (run the tests as root, as CI does)';
  const probe = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', 'test', '-r', join(repoRoot, 'package.json')]);
  if (probe.error !== undefined) return `setpriv cannot run: ${probe.error.message}`;
  if (probe.status !== 0) {
    return `uid ${uid} cannot read ${repoRoot} (a parent directory is private, e.g. made by mktemp -d): clone the repository under a directory other users can traverse`;
  }
  return false;
}
