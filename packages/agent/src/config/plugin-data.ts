/**
 * plugin_data of the built-in agent plugins tspire implements: their schemas (so unknown keys
 * are caught) and their validation into typed configs. Plugin names per type are listed in
 * SUPPORTED_PLUGINS; anything else is refused with the supported names.
 */
import type { PluginDataInput } from '@tspire/common';
import type { Decoded, PlainObject, Schema } from '@tspire/common';
import { x509PopAgentConfigSchema } from '../attestor/node/x509pop.js';
import { DEFAULT_DOCKER_SOCKET_URL, dockerAttestorConfigSchema } from '../attestor/workload/docker/config.js';
import { buildUnixAttestorConfig, unixAttestorConfigSchema } from '../attestor/workload/unix/config.js';
import { IGNORED, absolutePath, fail } from './raw.js';
import type {
  AgentKeyManagerConfig,
  AgentNodeAttestorConfig,
  DockerWorkloadAttestorConfig,
  UnixWorkloadAttestorConfig,
  WorkloadAttestorConfig,
  X509PopAgentNodeAttestorConfig,
} from './types.js';

const x509popSchema = {
  ...x509PopAgentConfigSchema,
  spiffe_endpoint_socket: 'string',
} as const satisfies Schema;

const diskKeyManagerSchema = { directory: 'string' } as const satisfies Schema;

// The workload attestors' own schemas: one definition of their plugin_data keys.
const unixSchema = unixAttestorConfigSchema;
const dockerSchema = dockerAttestorConfigSchema;

/** Plugin type -> name -> plugin_data schema, for the agent plugins tspire has built in. */
export const SUPPORTED_PLUGINS: Readonly<Record<string, Readonly<Record<string, Schema>>>> = {
  NodeAttestor: { join_token: {}, x509pop: x509popSchema },
  KeyManager: { disk: diskKeyManagerSchema, memory: {} },
  WorkloadAttestor: { unix: unixSchema, docker: dockerSchema },
};

/** SPIRE agent plugin types tspire does not implement at all. */
export const UNSUPPORTED_PLUGIN_TYPES = ['SVIDStore'] as const;

export const DEFAULT_DOCKER_SOCKET = DEFAULT_DOCKER_SOCKET_URL;

export type { PluginDataInput };

function required(input: PluginDataInput<Schema>, key: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') fail(`${input.path}.${key}`, 'must be configured', input.raw, key);
  return value;
}

export function buildKeyManager(name: string, input: PluginDataInput<typeof diskKeyManagerSchema>): AgentKeyManagerConfig {
  if (name === 'memory') return { name: 'memory' };
  return { name: 'disk', directory: absolutePath(input.cwd, required(input, 'directory', input.data.directory)) };
}

function buildX509Pop(input: PluginDataInput<typeof x509popSchema>): X509PopAgentNodeAttestorConfig {
  const { data, path, cwd } = input;
  if (data.spiffe_endpoint_socket !== undefined && data.spiffe_endpoint_socket !== '') {
    fail(`${path}.spiffe_endpoint_socket`, 'getting the x509pop certificate from a Workload API is not supported by tspire; use private_key_path and certificate_path', input.raw, 'spiffe_endpoint_socket');
  }
  const config: X509PopAgentNodeAttestorConfig = {
    name: 'x509pop',
    privateKeyPath: absolutePath(cwd, required(input, 'private_key_path', data.private_key_path)),
    certificatePath: absolutePath(cwd, required(input, 'certificate_path', data.certificate_path)),
  };
  if (data.intermediates_path !== undefined && data.intermediates_path !== '') config.intermediatesPath = absolutePath(cwd, data.intermediates_path);
  return config;
}

export function buildNodeAttestor(name: string, input: PluginDataInput<Schema>): AgentNodeAttestorConfig {
  if (name === 'join_token') return { name: 'join_token' };
  return buildX509Pop(input as PluginDataInput<typeof x509popSchema>);
}

function buildUnix(input: PluginDataInput<typeof unixSchema>): UnixWorkloadAttestorConfig {
  return { name: 'unix', ...buildUnixAttestorConfig(input.data) };
}

/** `unix:///var/run/docker.sock` -> `/var/run/docker.sock`; other schemes are refused. */
function dockerSocketPath(input: PluginDataInput<typeof dockerSchema>): string {
  const url = input.data.docker_socket_path || DEFAULT_DOCKER_SOCKET;
  const path = url.startsWith('unix://') ? url.slice('unix://'.length) : '';
  if (path === '') {
    const reason = /^[a-z][a-z0-9+.-]*:\/\//i.test(url)
      ? `only unix:// Docker Engine sockets are supported by tspire, got ${JSON.stringify(url)}`
      : `expected a unix:// URL such as "${DEFAULT_DOCKER_SOCKET}", got ${JSON.stringify(url)}`;
    fail(`${input.path}.docker_socket_path`, reason, input.raw, 'docker_socket_path');
  }
  return absolutePath(input.cwd, path);
}

function buildDocker(input: PluginDataInput<typeof dockerSchema>): DockerWorkloadAttestorConfig {
  const { data, path, warnings } = input;
  const config: DockerWorkloadAttestorConfig = { name: 'docker', dockerSocketPath: dockerSocketPath(input) };
  if (data.docker_version !== undefined && data.docker_version !== '') config.dockerVersion = data.docker_version;
  const locator = 'tspire finds the container from /proc/<pid>/cgroup (cgroup v1 and v2)';
  if (data.use_new_container_locator === false) warnings.push(`${path}.use_new_container_locator: ${locator}; false is ignored`);
  if ((data.container_id_cgroup_matchers ?? []).length > 0) warnings.push(`${path}.container_id_cgroup_matchers: ${locator}; ignored`);
  if (data.verbose_container_locator_logs === true) warnings.push(`${path}.verbose_container_locator_logs: ${IGNORED}`);
  for (const key of ['podman_socket_path', 'podman_socket_path_template'] as const) {
    if ((data[key] ?? '') !== '') warnings.push(`${path}.${key}: Podman is ${IGNORED}`);
  }
  if (data.sigstore !== undefined) warnings.push(`${path}.sigstore: image signature verification is ${IGNORED}`);
  return config;
}

export function buildWorkloadAttestor(name: string, input: PluginDataInput<Schema>): WorkloadAttestorConfig {
  if (name === 'unix') return buildUnix(input as PluginDataInput<typeof unixSchema>);
  return buildDocker(input as PluginDataInput<typeof dockerSchema>);
}
