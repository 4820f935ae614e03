/**
 * One place where a failed call becomes a WorkloadError: our own abort and close first (they
 * surface from connect as CANCELED), then the gRPC status the Workload API answered, its
 * message kept and the ConnectError as `cause`.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { WorkloadError, type WorkloadErrorCode } from '../errors.js';

const BY_STATUS: Partial<Record<Code, WorkloadErrorCode>> = {
  [Code.InvalidArgument]: 'ERR_WORKLOAD_API_INVALID_ARGUMENT',
  [Code.PermissionDenied]: 'ERR_WORKLOAD_API_PERMISSION_DENIED',
  [Code.Unavailable]: 'ERR_WORKLOAD_API_UNAVAILABLE',
  [Code.Unimplemented]: 'ERR_WORKLOAD_API_UNIMPLEMENTED',
  [Code.DeadlineExceeded]: 'ERR_WORKLOAD_API_DEADLINE_EXCEEDED',
};

/** What tells our own cancellation apart from a status the server sent. */
export interface CallState {
  readonly closed: () => boolean;
  readonly signal?: AbortSignal | undefined;
}

/**
 * @example
 * try { ... } catch (err) { throw toWorkloadError(err, 'FetchJWTSVID', { closed: () => isClosed, signal }); }
 */
export function toWorkloadError(err: unknown, rpc: string, state: CallState): WorkloadError {
  if (err instanceof WorkloadError) return err;
  if (state.closed()) return new WorkloadError('ERR_WORKLOAD_CLOSED', `${rpc}: the Workload API client is closed`, { cause: err });
  if (state.signal?.aborted === true) return new WorkloadError('ERR_WORKLOAD_ABORTED', `${rpc}: aborted by the caller's signal`, { cause: state.signal.reason });
  const connectError = ConnectError.from(err);
  const code = isConnectionFailure(connectError) ? 'ERR_WORKLOAD_API_UNAVAILABLE' : (BY_STATUS[connectError.code] ?? 'ERR_WORKLOAD_API_ERROR');
  const status = Code[connectError.code] ?? String(connectError.code);
  return new WorkloadError(code, `${rpc} failed (${status}): ${connectError.rawMessage}`, { cause: connectError });
}

/**
 * A dial or connection failure rather than a status the server sent: connect-node reports a
 * refused or missing socket as INTERNAL (with the errno in the cause) and a cut HTTP/2 stream as
 * CANCELED; grpc-go calls both UNAVAILABLE, which is what they are (and they are retried).
 */
function isConnectionFailure(err: ConnectError): boolean {
  if (err.code === Code.Canceled) return true; // our own aborts were handled before
  for (let cause: unknown = err.cause, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const errno = (cause as NodeJS.ErrnoException).code;
    if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) return true;
    if (typeof errno === 'string' && errno.startsWith('ERR_HTTP2')) return true;
    cause = cause.cause;
  }
  return false;
}

/** True for a status after which a watch must stop instead of retrying (the standard: INVALID_ARGUMENT). */
export function isFatalForWatch(err: WorkloadError): boolean {
  return err.code === 'ERR_WORKLOAD_API_INVALID_ARGUMENT' || err.code === 'ERR_WORKLOAD_CLOSED' || err.code === 'ERR_WORKLOAD_ABORTED';
}
