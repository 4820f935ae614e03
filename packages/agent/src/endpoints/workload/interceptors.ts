/**
 * Interceptors of the SpiffeWorkloadAPI service only (other services on the socket, such as SDS,
 * do not require the security header, as in SPIRE).
 */
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { errorBoundaryInterceptor as sharedErrorBoundary, toConnectError, type Logger } from '@tspire/common';

/** The metadata every Workload API call must carry, with the value `true`, exactly once. */
export const SECURITY_HEADER = 'workload.spiffe.io';
export const SECURITY_HEADER_MISSING_MESSAGE = 'security header missing from request';

/**
 * Rejects a call without `workload.spiffe.io: true` with INVALID_ARGUMENT, before anything else
 * (clients then stop for good). Repeated values arrive joined (`true, true`), so "exactly once"
 * and "equal to true" are the same test.
 */
export const securityHeaderInterceptor: Interceptor = (next) => async (req) => {
  if (req.header.get(SECURITY_HEADER) !== 'true') {
    throw new ConnectError(SECURITY_HEADER_MISSING_MESSAGE, Code.InvalidArgument);
  }
  return next(req);
};

/**
 * The error boundary: whatever a handler throws (unary, or in the middle of a stream) leaves as
 * a ConnectError chosen by toConnectError; unexpected errors become INTERNAL with a generic
 * message and are logged, never sent.
 */
export function errorBoundaryInterceptor(logger: Logger): Interceptor {
  return sharedErrorBoundary((err) => toConnectError(err, { logger }));
}
