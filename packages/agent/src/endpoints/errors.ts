/**
 * Error codes of the agent's endpoints (registered for @tspire/agent; listed in docs/errors.md).
 * Start-up failures only: what a Workload API caller sees are gRPC statuses chosen by the
 * handlers (see workload/handler.ts).
 */
import { Code } from '@connectrpc/connect';
import { registerErrorCodes } from '@tspire/common';

export const endpointErrorCodes = registerErrorCodes('@tspire/agent', {
  ERR_AGENT_SOCKET_PATH: {
    grpc: Code.InvalidArgument,
    description: 'an agent socket path is empty, too long for a UNIX socket, or names a file that is not a socket',
  },
  ERR_AGENT_SOCKET_IN_USE: {
    grpc: Code.FailedPrecondition,
    description: 'another process is listening on the agent socket path',
  },
} as const);

export type EndpointErrorCode = keyof typeof endpointErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<EndpointErrorCode, true> {}
}
