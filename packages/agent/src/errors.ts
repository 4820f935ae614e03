/**
 * Typed errors of the agent: TspireErrors whose codes @tspire/agent registers (with a gRPC status)
 * in @tspire/common's registry. Statuses the server sends back stay ConnectErrors; these codes are
 * for what the agent itself finds wrong (its config, a server that is not who it must be, a
 * response that breaks the protocol).
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the agent can throw: gRPC status and meaning (listed in docs/errors.md). */
export const agentErrorCodes = registerErrorCodes('@tspire/agent', {
  ERR_AGENT_SERVER_NOT_TRUSTED: {
    grpc: Code.Unavailable,
    description: 'the server certificate does not chain to the agent trust bundle or its ID is not spiffe://<td>/spire/server',
  },
  ERR_AGENT_BAD_SERVER_RESPONSE: { grpc: Code.Internal, description: 'the server answered in a way the agent protocol does not allow' },
  ERR_AGENT_INVALID_CLIENT_OPTIONS: { grpc: Code.InvalidArgument, description: 'a server client option (address, port, trust domain, SVID) is invalid' },
  ERR_AGENT_INVALID_CSR_REQUEST: { grpc: Code.InvalidArgument, description: 'a CSR was requested with an unsupported key type or an invalid SPIFFE ID' },
  ERR_AGENT_X509POP_CONFIG: {
    grpc: Code.InvalidArgument,
    description: 'the x509pop node attestor files are missing, unreadable, malformed or do not match',
  },
  ERR_AGENT_X509POP_CHALLENGE: { grpc: Code.InvalidArgument, description: 'the x509pop challenge is malformed or not for the agent key type' },
} as const);

export type AgentErrorCode = keyof typeof agentErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<AgentErrorCode, true> {}
}

/**
 * The error thrown by the agent for its own findings.
 * @example
 * try { await loadX509PopAttestor(config) } catch (err) {
 *   if (err instanceof AgentError && err.code === 'ERR_AGENT_X509POP_CONFIG') { ... }
 * }
 */
export class AgentError<C extends AgentErrorCode = AgentErrorCode> extends TspireError<C> {
  override readonly name = 'AgentError';
}
