/**
 * plugin_data of `WorkloadAttestor "docker"` that tspire acts on, as SPIRE reads it:
 * - `docker_socket_path` (default `unix:///var/run/docker.sock`): the Engine API socket; only
 *   unix:// URLs (no TCP engines).
 * - `docker_version` (default: none): the Engine API version to call, e.g. "1.41"; without it
 *   the unversioned path is used, which the engine serves at its own current version.
 * The other SPIRE keys (podman_*, container_id_cgroup_matchers, use_new_container_locator,
 * verbose_container_locator_logs, sigstore) are accepted by the schema; the agent config loader
 * warns that tspire ignores them.
 */
import { ConfigError, decodeConfig, type Decoded, type Schema, type UnknownKey } from '@tspire/common';

export const dockerAttestorConfigSchema = {
  docker_socket_path: 'string',
  docker_version: 'string',
  podman_socket_path: 'string',
  podman_socket_path_template: 'string',
  container_id_cgroup_matchers: 'stringList',
  use_new_container_locator: 'bool',
  verbose_container_locator_logs: 'bool',
  sigstore: 'any',
} as const satisfies Schema;

export const DEFAULT_DOCKER_SOCKET_URL = 'unix:///var/run/docker.sock';
export const DOCKER_PLUGIN_DATA_PATH = 'plugins.WorkloadAttestor.docker.plugin_data';

/** Structurally the same as the agent config's DockerWorkloadAttestorConfig (without `name`). */
export interface DockerAttestorConfig {
  /** Filesystem path of the Engine API UNIX socket. */
  readonly dockerSocketPath: string;
  /** Engine API version such as "1.41"; absent: unversioned paths. */
  readonly dockerVersion?: string;
}

/**
 * `unix:///var/run/docker.sock` -> `/var/run/docker.sock`.
 * @throws ConfigError naming `<path>.docker_socket_path` for any other form.
 */
export function dockerSocketPathOf(url: string, path: string = DOCKER_PLUGIN_DATA_PATH): string {
  const socketPath = url.startsWith('unix://') ? url.slice('unix://'.length) : '';
  if (!socketPath.startsWith('/')) {
    throw new ConfigError(`${path}.docker_socket_path`, `expected a unix:// URL with an absolute path such as "${DEFAULT_DOCKER_SOCKET_URL}", got ${JSON.stringify(url)}`);
  }
  return socketPath;
}

/**
 * Checks an Engine API version ("1.41").
 * @throws ConfigError naming `<path>.docker_version`.
 */
export function checkDockerVersion(version: string, path: string = DOCKER_PLUGIN_DATA_PATH): string {
  if (!/^\d{1,3}\.\d{1,3}$/.test(version)) {
    throw new ConfigError(`${path}.docker_version`, `expected an Engine API version such as "1.41", got ${JSON.stringify(version)}`);
  }
  return version;
}

/** Typed config from decoded plugin_data, with SPIRE's defaults. */
export function buildDockerAttestorConfig(data: Decoded<typeof dockerAttestorConfigSchema>, path: string = DOCKER_PLUGIN_DATA_PATH): DockerAttestorConfig {
  const dockerSocketPath = dockerSocketPathOf(data.docker_socket_path || DEFAULT_DOCKER_SOCKET_URL, path);
  if (data.docker_version === undefined || data.docker_version === '') return { dockerSocketPath };
  return { dockerSocketPath, dockerVersion: checkDockerVersion(data.docker_version, path) };
}

/**
 * Decodes raw plugin_data (absent = {}); unknown keys are returned for the caller to judge.
 * @example decodeDockerAttestorConfig({ docker_socket_path: 'unix:///run/docker.sock' }).config // { dockerSocketPath: '/run/docker.sock' }
 * @throws ConfigError naming the key.
 */
export function decodeDockerAttestorConfig(
  pluginData: unknown,
  path: string = DOCKER_PLUGIN_DATA_PATH,
): { config: DockerAttestorConfig; unknownKeys: readonly UnknownKey[] } {
  const decoded = decodeConfig(pluginData ?? {}, dockerAttestorConfigSchema, { path });
  return { config: buildDockerAttestorConfig(decoded.value, path), unknownKeys: decoded.unknownKeys };
}
