/**
 * Typed errors of the workload attestors: TspireErrors whose codes @tspire/agent registers (with
 * their gRPC status) in @tspire/common's registry. Bad plugin_data is a ConfigError, as for every
 * other config section.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the workload attestors can throw: gRPC status and meaning (listed in docs/errors.md). */
export const workloadAttestorErrorCodes = registerErrorCodes('@tspire/agent', {
  ERR_AGENT_UNIX_ATTESTATION: {
    grpc: Code.Internal,
    description: 'the unix workload attestor could not read the process from /proc or hash its binary (gone, unreadable, or over workload_size_limit)',
  },
  ERR_AGENT_DOCKER_ATTESTATION: {
    grpc: Code.Internal,
    description: "the docker workload attestor could not read the process's cgroups or the Docker Engine API did not describe its container",
  },
} as const);

export type WorkloadAttestorErrorCode = keyof typeof workloadAttestorErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<WorkloadAttestorErrorCode, true> {}
}

/**
 * The error thrown when a workload attestor cannot establish its facts.
 * @example
 * try { await attestor.attest(pid) } catch (err) {
 *   if (err instanceof WorkloadAttestorError && err.code === 'ERR_AGENT_DOCKER_ATTESTATION') { ... }
 * }
 */
export class WorkloadAttestorError<C extends WorkloadAttestorErrorCode = WorkloadAttestorErrorCode> extends TspireError<C> {
  override readonly name = 'WorkloadAttestorError';
}
