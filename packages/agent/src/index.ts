/**
 * @tspire/agent: the SPIRE-compatible agent. So far: the client for the server's agent API
 * (attestation, renewal, entry sync, SVID signing), CSRs, and the agent side of node attestors.
 */
export * from './errors.js';
export * from './client/csr.js';
export {
  createServerClient,
  permissionDeniedReason,
  DEFAULT_SERVER_CALL_TIMEOUT_MS,
  type ServerClient,
  type ServerClientOptions,
  type JoinTokenAttestResult,
  type NewX509SvidParams,
  type NewX509SvidResult,
} from './client/server-client.js';
export type { AttestRequest, AttestResult } from './client/attest.js';
export { PermissionDeniedReason } from './client/permission-denied.js';
export { serverSpiffeId, verifyServerChain, type AgentSvidCredentials } from './client/server-tls.js';
export { AGENT_ENTRY_OUTPUT_MASK, type SyncResult, type SyncStats } from './client/sync-entries.js';
export { joinTokenAttestor, type AgentNodeAttestor, type NodeAttestation, type ChallengeResponder } from './attestor/node/node-attestor.js';
export {
  X509POP_TYPE,
  loadX509PopAttestor,
  x509PopAgentConfigSchema,
  x509PopPayload,
  type X509PopAgentConfig,
  type X509PopDeps,
} from './attestor/node/x509pop.js';
export { computeX509PopResponse, X509POP_NONCE_BYTES } from './attestor/node/x509pop-challenge.js';
export * as config from './config/index.js';
export * as peercred from './peercred/index.js';
export * as workloadAttestors from './attestor/workload/index.js';
export * as endpoints from './endpoints/index.js';
export * as manager from './manager/index.js';
export { startAgent, type AgentDeps, type RunningAgent } from './agent.js';
