// The one boundary: every error a handler throws (unary or mid-stream) leaves as a ConnectError
// with the right code, chosen by the API's toConnectError.
import type { Interceptor } from '@connectrpc/connect';
import { errorBoundaryInterceptor } from '@tspire/common';
import type { ApiLogger } from './deps.js';
import { toConnectError } from './errors.js';

export function errorInterceptor(logger: ApiLogger): Interceptor {
  return errorBoundaryInterceptor((err) => toConnectError(err, logger));
}
