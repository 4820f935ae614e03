/**
 * Typed errors of the agent manager (bootstrap, agent SVID, state and key storage): TspireErrors
 * whose codes @tspire/agent registers (with their gRPC status) in @tspire/common's registry.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the agent manager can throw: gRPC status and meaning (listed in docs/errors.md). */
export const managerErrorCodes = registerErrorCodes('@tspire/agent', {
  ERR_AGENT_BANNED: { grpc: Code.PermissionDenied, description: 'the server has banned this agent; it stops until an operator deletes the ban (spire-server agent evict)' },
  ERR_AGENT_STATE: { grpc: Code.Internal, description: 'the agent data (data_dir/agent-data.json) or its key store (keys.json) is unreadable or malformed' },
  ERR_AGENT_BOOTSTRAP: {
    grpc: Code.FailedPrecondition,
    description: 'the agent cannot bootstrap: no usable stored SVID and no way to attest, or the trust bundle cannot be loaded or does not verify the server',
  },
} as const);

export type ManagerErrorCode = keyof typeof managerErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<ManagerErrorCode, true> {}
}

/**
 * @example
 * try { await manager.start() } catch (err) {
 *   if (err instanceof ManagerError && err.code === 'ERR_AGENT_BANNED') process.exitCode = 1;
 * }
 */
export class ManagerError<C extends ManagerErrorCode = ManagerErrorCode> extends TspireError<C> {
  override readonly name = 'ManagerError';
}
