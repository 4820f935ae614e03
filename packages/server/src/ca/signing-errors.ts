/**
 * Error codes of the X509-SVID signing pool (registered with @tspire/server's other codes).
 * Kept apart from errors.ts so the pool's failures read as what they are: one CSR that names
 * another ID, a worker thread that died, a pool that was shut down.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the signing pool can report (listed in docs/errors.md). */
export const signingErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_CA_CSR_URI_MISMATCH: { grpc: Code.InvalidArgument, description: 'the CSR carries a URI SAN other than the SPIFFE ID being signed' },
  ERR_CA_SIGNING_WORKER_EXITED: { grpc: Code.Unavailable, description: 'a signing worker thread exited before signing the item; retry' },
  ERR_CA_SIGNING_POOL_CLOSED: { grpc: Code.Unavailable, description: 'the X509-SVID signing pool is shut down (the server is stopping)' },
  ERR_CA_SIGNING_FAILED: { grpc: Code.Internal, description: 'signing an X509-SVID failed unexpectedly; details go to the log only' },
} as const);

export type SigningErrorCode = keyof typeof signingErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<SigningErrorCode, true> {}
}

/**
 * @example
 * try { await pool.signX509Svids(requests) } catch (err) {
 *   if (err instanceof SigningError && err.code === 'ERR_CA_SIGNING_POOL_CLOSED') { ... }
 * }
 */
export class SigningError<C extends SigningErrorCode = SigningErrorCode> extends TspireError<C> {
  override readonly name = 'SigningError';
}
