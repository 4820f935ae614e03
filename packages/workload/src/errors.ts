/**
 * Typed errors of the Workload API SDK: TspireErrors whose codes @tspire/workload registers (with
 * a gRPC status) in @tspire/common's registry. A status the Workload API answered becomes one of
 * the ERR_WORKLOAD_API_* codes (its message kept, the ConnectError as `cause`); the other codes
 * name what the SDK itself found wrong (an address, a request, a response, a source).
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/**
 * Every code the SDK can throw: gRPC status and meaning (listed in docs/errors.md).
 * @example workloadErrorCodes.ERR_WORKLOAD_CLOSED.grpc; // Code.Canceled
 */
export const workloadErrorCodes = registerErrorCodes('@tspire/workload', {
  ERR_WORKLOAD_ADDRESS_MISSING: {
    grpc: Code.InvalidArgument,
    description: 'no Workload API address: neither the address option nor SPIFFE_ENDPOINT_SOCKET is set',
  },
  ERR_WORKLOAD_ADDRESS_SCHEME: { grpc: Code.InvalidArgument, description: 'the Workload API address has no scheme, or one other than unix or tcp' },
  ERR_WORKLOAD_ADDRESS_SYNTAX: { grpc: Code.InvalidArgument, description: 'the Workload API address is not a URI (or has a bad percent-escape)' },
  ERR_WORKLOAD_ADDRESS_OPAQUE: { grpc: Code.InvalidArgument, description: 'the Workload API address is opaque (unix:rel/path, tcp:x)' },
  ERR_WORKLOAD_ADDRESS_AUTHORITY: { grpc: Code.InvalidArgument, description: 'a unix Workload API address has an authority (unix://host/path)' },
  ERR_WORKLOAD_ADDRESS_USER_INFO: { grpc: Code.InvalidArgument, description: 'the Workload API address has user info (user:pass@)' },
  ERR_WORKLOAD_ADDRESS_QUERY: { grpc: Code.InvalidArgument, description: 'the Workload API address has a query (?...)' },
  ERR_WORKLOAD_ADDRESS_FRAGMENT: { grpc: Code.InvalidArgument, description: 'the Workload API address has a fragment (#...)' },
  ERR_WORKLOAD_ADDRESS_PATH: {
    grpc: Code.InvalidArgument,
    description: 'a unix Workload API address has no socket path, or a tcp address has a path',
  },
  ERR_WORKLOAD_ADDRESS_HOST: { grpc: Code.InvalidArgument, description: 'a tcp Workload API address has no host or a host that is not an IP address' },
  ERR_WORKLOAD_ADDRESS_PORT: { grpc: Code.InvalidArgument, description: 'a tcp Workload API address has no port or one outside 1-65535' },
  ERR_WORKLOAD_BAD_REQUEST: {
    grpc: Code.InvalidArgument,
    description: 'a call or option was rejected locally before reaching the Workload API (empty audience or token, bad SPIFFE ID, bad option)',
  },
  ERR_WORKLOAD_BAD_RESPONSE: {
    grpc: Code.Internal,
    description: 'the Workload API answered with a message that breaks the standard (bad DER, key, JWKS, token, map key, ID mismatch)',
  },
  ERR_WORKLOAD_NO_SVIDS: { grpc: Code.Internal, description: 'the Workload API answered with an empty svids list' },
  ERR_WORKLOAD_API_INVALID_ARGUMENT: { grpc: Code.InvalidArgument, description: 'the Workload API answered INVALID_ARGUMENT (not retried)' },
  ERR_WORKLOAD_API_PERMISSION_DENIED: {
    grpc: Code.PermissionDenied,
    description: 'the Workload API answered PERMISSION_DENIED: the caller has no identity (or not the one asked for)',
  },
  ERR_WORKLOAD_API_UNAVAILABLE: {
    grpc: Code.Unavailable,
    description: 'the Workload API cannot be reached, answered UNAVAILABLE or ended a stream',
  },
  ERR_WORKLOAD_API_UNIMPLEMENTED: { grpc: Code.Unimplemented, description: 'the Workload API does not implement the RPC' },
  ERR_WORKLOAD_API_DEADLINE_EXCEEDED: { grpc: Code.DeadlineExceeded, description: 'a call did not finish within its timeoutMs' },
  ERR_WORKLOAD_API_ERROR: { grpc: Code.Unknown, description: 'the Workload API answered another gRPC status (named in the message)' },
  ERR_WORKLOAD_ABORTED: { grpc: Code.Canceled, description: "the call's AbortSignal aborted it" },
  ERR_WORKLOAD_CLOSED: { grpc: Code.Canceled, description: 'the client or source was closed' },
  ERR_WORKLOAD_SOURCE_TIMEOUT: {
    grpc: Code.DeadlineExceeded,
    description: 'a source got no first update within timeoutMs (the message names the last error)',
  },
  ERR_WORKLOAD_SVID_NOT_FOUND: {
    grpc: Code.NotFound,
    description: "the source holds no SVID the picker accepts, or the Workload API's answer lacks the SPIFFE ID asked for",
  },
} as const);

/**
 * The literal codes of WorkloadError.
 * @example const code: WorkloadErrorCode = 'ERR_WORKLOAD_SOURCE_TIMEOUT';
 */
export type WorkloadErrorCode = keyof typeof workloadErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<WorkloadErrorCode, true> {}
}

/**
 * The error thrown by @tspire/workload. `cause` keeps what it wraps (a ConnectError, a SpiffeError).
 * @example
 * try { await client.fetchX509Svid() } catch (err) {
 *   if (err instanceof WorkloadError && err.code === 'ERR_WORKLOAD_API_PERMISSION_DENIED') {
 *     // no registration entry matches this process (yet): the agent may be eventually consistent
 *   }
 * }
 */
export class WorkloadError<C extends WorkloadErrorCode = WorkloadErrorCode> extends TspireError<C> {
  override readonly name = 'WorkloadError';
}

/**
 * True when `err` is a WorkloadError (optionally with the given code).
 * @example if (isWorkloadError(err, 'ERR_WORKLOAD_CLOSED')) return;
 */
export function isWorkloadError<C extends WorkloadErrorCode>(err: unknown, code?: C): err is WorkloadError<C> {
  return err instanceof WorkloadError && (code === undefined || err.code === code);
}
