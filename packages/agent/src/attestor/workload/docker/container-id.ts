/**
 * Finds the container of a process from /proc/<pid>/cgroup. Each line is
 * `hierarchy-id:controllers:path`; the path names the container in every common layout:
 *
 *   cgroup v1, cgroupfs driver     12:memory:/docker/<id>
 *   cgroup v1, systemd driver      1:name=systemd:/system.slice/docker-<id>.scope
 *   cgroup v2                      0::/system.slice/docker-<id>.scope  (or 0::/docker/<id>)
 *   Kubernetes, cgroupfs           4:cpu:/kubepods/besteffort/pod<uid>/<id>
 *   Kubernetes, systemd            0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/docker-<id>.scope
 *   (also cri-containerd-<id>.scope, crio-<id>.scope, libpod-<id>.scope)
 *
 * A container id is 64 lowercase hex digits, as a whole path segment or wrapped as
 * `<runtime>-<id>.scope`. Paths are as seen from the agent's cgroup namespace (the host's when
 * the agent runs on the host). Different ids in one process's cgroups (nested containers) are
 * ambiguous and refused rather than guessed.
 */
import { WorkloadAttestorError } from '../errors.js';

const BARE_ID = /^[0-9a-f]{64}$/;
const SCOPE_ID = /^(?:docker|cri-containerd|crio|libpod)-([0-9a-f]{64})\.scope$/;

/** The container id named by one cgroup path segment, if any. */
function idOfSegment(segment: string): string | undefined {
  if (BARE_ID.test(segment)) return segment;
  return SCOPE_ID.exec(segment)?.[1];
}

/**
 * The container id of the process whose /proc/<pid>/cgroup is `content`, or undefined when it
 * is in no container.
 * @example containerIdFromCgroups('0::/system.slice/docker-' + 'ab'.repeat(32) + '.scope\n') // 'abab...'
 * @throws WorkloadAttestorError ERR_AGENT_DOCKER_ATTESTATION when lines are malformed or name different containers.
 */
export function containerIdFromCgroups(content: string, pid?: number): string | undefined {
  const where = pid === undefined ? 'cgroup file' : `/proc/${pid}/cgroup`;
  const found = new Set<string>();
  for (const [index, line] of content.split('\n').entries()) {
    if (line.trim() === '') continue;
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0 || !/^\d+$/.test(line.slice(0, first))) {
      throw new WorkloadAttestorError('ERR_AGENT_DOCKER_ATTESTATION', `${where} line ${index + 1} is not "id:controllers:path": ${JSON.stringify(line.slice(0, 200))}`);
    }
    for (const segment of line.slice(second + 1).split('/')) {
      const id = idOfSegment(segment);
      if (id !== undefined) found.add(id);
    }
  }
  if (found.size > 1) {
    throw new WorkloadAttestorError('ERR_AGENT_DOCKER_ATTESTATION', `${where} names ${found.size} different containers (${[...found].join(', ')}); refusing to guess`);
  }
  return found.values().next().value;
}
