/** Workload attestors: the common interface, their errors, and the unix and docker attestors. */
export { formatSelector, type Selector, type WorkloadAttestor } from './workload-attestor.js';
export { WorkloadAttestorError, workloadAttestorErrorCodes, type WorkloadAttestorErrorCode } from './errors.js';
export * from './unix/index.js';
export * from './docker/index.js';
