/**
 * Typed errors of the server CA: TspireErrors whose codes @tspire/server registers (with their
 * gRPC status) in @tspire/common's registry. Each `code` is literal, so callers can `switch`.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the CA can throw: gRPC status and meaning (listed in docs/errors.md). */
export const caErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_CA_MALFORMED_CSR: { grpc: Code.InvalidArgument, description: 'the certificate signing request is not valid DER PKCS#10' },
  ERR_CA_BAD_CSR_SIGNATURE: { grpc: Code.InvalidArgument, description: 'the CSR self-signature does not verify with its own public key' },
  ERR_CA_UNSUPPORTED_CSR_SIGNATURE_ALGORITHM: { grpc: Code.InvalidArgument, description: 'the CSR is signed with an algorithm other than ECDSA or RSA PKCS#1 v1.5 with SHA-2' },
  ERR_CA_UNSUPPORTED_KEY_TYPE: { grpc: Code.InvalidArgument, description: 'the public key is not EC P-256/P-384 or RSA 2048-8192 bits' },
  ERR_CA_INVALID_SVID_REQUEST: { grpc: Code.InvalidArgument, description: 'an SVID request has a bad SPIFFE ID, DNS name, audience or TTL' },
  ERR_CA_MALFORMED_CERTIFICATE: { grpc: Code.FailedPrecondition, description: 'a CA or upstream certificate cannot be parsed' },
  ERR_CA_EXPIRED: { grpc: Code.FailedPrecondition, description: 'the signing CA or JWT key has expired; nothing can be signed with it' },
  ERR_CA_NOT_INITIALIZED: { grpc: Code.Unavailable, description: 'the CA manager has not finished loading or creating its authorities' },
  ERR_CA_UPSTREAM: { grpc: Code.FailedPrecondition, description: 'the upstream authority files are missing, unreadable or inconsistent' },
  ERR_CA_BAD_JOURNAL: { grpc: Code.FailedPrecondition, description: 'the stored CA journal cannot be parsed' },
  ERR_CA_INVALID_CONFIG: { grpc: Code.InvalidArgument, description: 'a CA setting (trust domain, key type, TTL, subject) is invalid' },
} as const);

export type CaErrorCode = keyof typeof caErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<CaErrorCode, true> {}
}

/**
 * The error thrown by the CA.
 * @example
 * try { parseCsr(der) } catch (err) {
 *   if (err instanceof CaError && err.code === 'ERR_CA_BAD_CSR_SIGNATURE') { ... }
 * }
 */
export class CaError<C extends CaErrorCode = CaErrorCode> extends TspireError<C> {
  override readonly name = 'CaError';
}
