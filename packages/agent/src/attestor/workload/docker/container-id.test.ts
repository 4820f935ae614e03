/** Container ids from /proc/<pid>/cgroup: one table of real-world layouts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkloadAttestorError } from '../errors.js';
import { containerIdFromCgroups } from './container-id.js';

const ID = '9f3c2a1b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615e4d3';
const OTHER = 'a'.repeat(64);
const POD = 'pod2c8a1f0e-7b6d-4c5a-9e8f-0a1b2c3d4e5f';
const POD_SYSTEMD = 'pod2c8a1f0e_7b6d_4c5a_9e8f_0a1b2c3d4e5f';

const cases: { name: string; cgroup: string; id: string | undefined }[] = [
  {
    name: 'cgroup v1, cgroupfs driver',
    cgroup: `12:pids:/docker/${ID}\n11:memory:/docker/${ID}\n3:cpu,cpuacct:/docker/${ID}\n1:name=systemd:/docker/${ID}\n0::/system.slice/containerd.service\n`,
    id: ID,
  },
  { name: 'cgroup v1, systemd driver', cgroup: `10:devices:/system.slice/docker-${ID}.scope\n1:name=systemd:/system.slice/docker-${ID}.scope\n`, id: ID },
  { name: 'cgroup v2, systemd driver', cgroup: `0::/system.slice/docker-${ID}.scope\n`, id: ID },
  { name: 'cgroup v2, cgroupfs driver', cgroup: `0::/docker/${ID}\n`, id: ID },
  { name: 'cgroup v2, systemd inside the container', cgroup: `0::/system.slice/docker-${ID}.scope/init.scope\n`, id: ID },
  { name: 'Kubernetes, cgroupfs driver (v1)', cgroup: `5:memory:/kubepods/besteffort/${POD}/${ID}\n1:name=systemd:/kubepods/besteffort/${POD}/${ID}\n`, id: ID },
  {
    name: 'Kubernetes, systemd driver, docker (v2)',
    cgroup: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice/docker-${ID}.scope\n`,
    id: ID,
  },
  {
    name: 'Kubernetes, systemd driver, containerd',
    cgroup: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-${POD_SYSTEMD}.slice/cri-containerd-${ID}.scope\n`,
    id: ID,
  },
  { name: 'Kubernetes, CRI-O', cgroup: `0::/kubepods.slice/kubepods-${POD_SYSTEMD}.slice/crio-${ID}.scope\n`, id: ID },
  { name: 'podman', cgroup: `0::/machine.slice/libpod-${ID}.scope/container\n`, id: ID },
  { name: 'a host process (v1 and v2)', cgroup: '12:memory:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n0::/user.slice/user-1000.slice/session-3.scope\n', id: undefined },
  { name: 'the root cgroup', cgroup: '0::/\n', id: undefined },
  { name: 'a pod sandbox slice without a container id', cgroup: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-${POD_SYSTEMD}.slice\n`, id: undefined },
  { name: 'the CRI-O monitor (conmon) is not the container', cgroup: `0::/kubepods.slice/crio-conmon-${ID}.scope\n`, id: undefined },
  { name: 'an id that is too short is no id', cgroup: `0::/docker/${ID.slice(1)}\n`, id: undefined },
  { name: 'upper-case hex is not a Docker id', cgroup: `0::/docker/${ID.toUpperCase()}\n`, id: undefined },
  { name: 'docker-<id> without .scope', cgroup: `0::/system.slice/docker-${ID}\n`, id: undefined },
  { name: 'an empty file', cgroup: '', id: undefined },
];

describe('containerIdFromCgroups', () => {
  for (const { name, cgroup, id } of cases) {
    it(name, () => assert.equal(containerIdFromCgroups(cgroup, 42), id));
  }

  it('refuses different containers in one process (nested containers are ambiguous)', () => {
    assert.throws(
      () => containerIdFromCgroups(`0::/docker/${ID}/docker/${OTHER}\n`, 42),
      (err: unknown) => err instanceof WorkloadAttestorError && err.code === 'ERR_AGENT_DOCKER_ATTESTATION' && /\/proc\/42\/cgroup names 2 different containers/.test(err.message),
    );
    assert.throws(() => containerIdFromCgroups(`4:memory:/docker/${ID}\n0::/system.slice/docker-${OTHER}.scope\n`), /names 2 different containers/);
  });

  it('refuses a malformed line, naming it', () => {
    assert.throws(() => containerIdFromCgroups(`0::/\ngarbage\n`, 42), /\/proc\/42\/cgroup line 2 is not "id:controllers:path": "garbage"/);
    assert.throws(() => containerIdFromCgroups(`x:memory:/docker/${ID}\n`), /line 1 is not/);
  });
});
