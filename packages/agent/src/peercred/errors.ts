/**
 * Typed errors of peer-credential lookup: TspireErrors whose codes @tspire/agent registers (with
 * their gRPC status) in @tspire/common's registry. Both fail the caller closed: a Workload API
 * call whose caller cannot be identified for certain gets no identity.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code peer-credential lookup can throw: gRPC status and meaning (listed in docs/errors.md). */
export const peerCredErrorCodes = registerErrorCodes('@tspire/agent', {
  ERR_AGENT_PEERCRED_UNAVAILABLE: {
    grpc: Code.Internal,
    description: 'the peer credentials of a connection cannot be read (addon not built, not a connected UNIX socket, or getsockopt failed)',
  },
  ERR_AGENT_PEER_PROCESS_CHANGED: {
    grpc: Code.Unauthenticated,
    description: 'the calling process exited or its PID was reused while it was being attested',
  },
} as const);

export type PeerCredErrorCode = keyof typeof peerCredErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<PeerCredErrorCode, true> {}
}

/**
 * The error thrown when the caller of a UNIX socket cannot be identified for certain.
 * @example
 * try { peerCredentials(socket) } catch (err) {
 *   if (err instanceof PeerCredError && err.code === 'ERR_AGENT_PEERCRED_UNAVAILABLE') { ... }
 * }
 */
export class PeerCredError<C extends PeerCredErrorCode = PeerCredErrorCode> extends TspireError<C> {
  override readonly name = 'PeerCredError';
}
