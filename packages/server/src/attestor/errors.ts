/**
 * Typed errors of the server's node attestors: TspireErrors whose codes @tspire/server
 * registers (with their gRPC status). The Agent service passes them through unchanged, so an
 * agent sees the status and the message naming what was wrong with its evidence.
 * Configuration problems found at construction are ConfigErrors (ERR_CONFIG_INVALID_VALUE).
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code a node attestor can throw (listed in docs/errors.md). */
export const attestorErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_X509POP_INVALID_PAYLOAD: {
    grpc: Code.InvalidArgument,
    description: 'x509pop attestation data or challenge response is malformed (JSON, certificates, too many intermediates, key type or size)',
  },
  ERR_X509POP_CERTIFICATE_REJECTED: {
    grpc: Code.PermissionDenied,
    description: 'the x509pop certificate does not chain to the configured CA bundle, is not valid now, or is not allowed to attest',
  },
  ERR_X509POP_CHALLENGE_FAILED: {
    grpc: Code.PermissionDenied,
    description: 'the x509pop challenge response does not prove possession of the certificate key',
  },
  ERR_X509POP_AGENT_ID: {
    grpc: Code.Internal,
    description: 'agent_path_template rendered a path that is not a valid agent SPIFFE ID for this certificate',
  },
} as const);

export type AttestorErrorCode = keyof typeof attestorErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<AttestorErrorCode, true> {}
}

/**
 * @example
 * throw new AttestorError('ERR_X509POP_CHALLENGE_FAILED', 'challenge response verification failed: ECDSA signature does not verify');
 */
export class AttestorError<C extends AttestorErrorCode = AttestorErrorCode> extends TspireError<C> {
  override readonly name = 'AttestorError';
}
