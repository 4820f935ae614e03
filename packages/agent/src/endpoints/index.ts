/**
 * The agent's endpoints: the SPIFFE Workload API on the public UNIX socket, the admin API
 * (Debug, Logger) on admin_socket_path, and what the health_checks listener answers.
 */
export * from './errors.js';
export { listenOnUnixSocket, unlinkSocket, MAX_UNIX_SOCKET_PATH_BYTES, type UnixSocketListenOptions } from './unix-socket.js';
export { unknownGrpcMethod } from './unknown-method.js';
export type { CallerAttestor, Selector, WorkloadIdentity, WorkloadIdentitySource, WorkloadUpdate } from './workload/identity-source.js';
export {
  InMemoryIdentitySource,
  type InMemoryEntry,
  type InMemoryIdentitySourceOptions,
  type JwtSvidMinter,
} from './workload/in-memory-source.js';
export {
  DEFAULT_WORKLOAD_SOCKET_PATH,
  WORKLOAD_API_READ_MAX_BYTES,
  startWorkloadApi,
  type WorkloadApiOptions,
  type WorkloadApiServer,
} from './workload/workload-api.js';
export {
  NO_IDENTITY_MESSAGE,
  createWorkloadApiService,
  registerWorkloadApi,
  type WorkloadHandlerDeps,
} from './workload/handler.js';
export { ATTESTATION_FAILED_MESSAGE, callerSelectors, createCallerContext, tagCallerSocket, workloadCallerKey, type WorkloadCaller } from './workload/caller.js';
export { SECURITY_HEADER, SECURITY_HEADER_MISSING_MESSAGE } from './workload/interceptors.js';
export { REGISTERED_JWT_CLAIMS } from './workload/jwt-validation.js';
export * from './admin/index.js';
export { AGENT_SOCKET_ERROR_CODES } from './unix-socket.js';
export { WORKLOAD_PROBE_TIMEOUT_MS, agentHealthCheck, workloadApiProbe, type AgentHealthOptions, type WorkloadApiProbeOptions } from './health-checks.js';
