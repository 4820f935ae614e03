/**
 * The `docker` workload attestor: finds the caller's container from /proc/<pid>/cgroup, asks the
 * Docker Engine API about it, and yields (as SPIRE):
 *   docker:label:<key>:<value>   each Config.Labels entry
 *   docker:env:<KEY>=<value>     each Config.Env entry
 *   docker:image_id:<image>      Config.Image, as the container was created (e.g. "nginx:1.27")
 * A process in no container gets no selectors; a container the engine does not know fails.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { WorkloadAttestorError } from '../errors.js';
import type { Selector, WorkloadAttestor } from '../workload-attestor.js';
import type { DockerAttestorConfig } from './config.js';
import { containerIdFromCgroups } from './container-id.js';
import { createDockerEngineClient, type ContainerFacts, type DockerEngineClient } from './engine-client.js';

export const DOCKER_ATTESTOR_NAME = 'docker';

export interface DockerAttestorDeps {
  /** default '/proc' */
  procRoot?: string;
  /** Reads /proc/<pid>/cgroup; default fs.promises.readFile (UTF-8). */
  readFile?: (path: string) => Promise<string>;
  /** default: createDockerEngineClient over config.dockerSocketPath (and dockerVersion) */
  engine?: DockerEngineClient;
}

/**
 * @example
 * const attestor = createDockerAttestor({ dockerSocketPath: '/var/run/docker.sock' });
 * await attestor.attest(pid) // [{ type: 'docker', value: 'label:app:web' }, { type: 'docker', value: 'image_id:nginx:1.27' }, ...]
 */
export function createDockerAttestor(config: DockerAttestorConfig, deps: DockerAttestorDeps = {}): WorkloadAttestor {
  const procRoot = deps.procRoot ?? '/proc';
  const readFile = deps.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  const engine =
    deps.engine ??
    createDockerEngineClient({ socketPath: config.dockerSocketPath, ...(config.dockerVersion === undefined ? {} : { apiVersion: config.dockerVersion }) });

  return {
    name: DOCKER_ATTESTOR_NAME,
    async attest(pid: number): Promise<Selector[]> {
      if (!Number.isSafeInteger(pid) || pid <= 0) throw new TypeError(`pid must be a positive integer, got ${String(pid)}`);
      const path = `${procRoot}/${pid}/cgroup`;
      let cgroups: string;
      try {
        cgroups = await readFile(path);
      } catch (err) {
        const gone = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (the process is gone)' : '';
        throw new WorkloadAttestorError('ERR_AGENT_DOCKER_ATTESTATION', `cannot read ${path}${gone}: ${(err as Error).message}`, { cause: err });
      }
      const containerId = containerIdFromCgroups(cgroups, pid);
      if (containerId === undefined) return [];
      return dockerSelectors(await engine.inspectContainer(containerId));
    },
  };
}

/**
 * The selectors of one inspected container.
 * @example dockerSelectors({ id, labels: [['app', 'web']], env: ['A=1'], image: 'nginx' }) // label:app:web, env:A=1, image_id:nginx
 */
export function dockerSelectors(facts: ContainerFacts): Selector[] {
  const values = [
    ...facts.labels.map(([key, value]) => `label:${key}:${value}`),
    ...facts.env.map((entry) => `env:${entry}`),
    ...(facts.image === '' ? [] : [`image_id:${facts.image}`]),
  ];
  return values.map((value) => ({ type: DOCKER_ATTESTOR_NAME, value }));
}
