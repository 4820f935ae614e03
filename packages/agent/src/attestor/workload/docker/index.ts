/** The `docker` workload attestor (SPIRE's WorkloadAttestor "docker"). */
export { DOCKER_ATTESTOR_NAME, createDockerAttestor, dockerSelectors, type DockerAttestorDeps } from './docker-attestor.js';
export { containerIdFromCgroups } from './container-id.js';
export { createDockerEngineClient, type ContainerFacts, type DockerEngineClient, type DockerEngineClientOptions } from './engine-client.js';
export {
  DEFAULT_DOCKER_SOCKET_URL,
  DOCKER_PLUGIN_DATA_PATH,
  buildDockerAttestorConfig,
  checkDockerVersion,
  decodeDockerAttestorConfig,
  dockerAttestorConfigSchema,
  dockerSocketPathOf,
  type DockerAttestorConfig,
} from './config.js';
