/**
 * The one error boundary of a gRPC service: whatever a handler throws (unary, or in the middle of
 * a stream) leaves as the ConnectError `toError` chooses, so internal messages are never sent.
 * The server maps with its API error table, the agent with @tspire/common's registry.
 */
import type { Interceptor } from '@connectrpc/connect';

/** @example router.service(svc, impl, { interceptors: [errorBoundaryInterceptor((err) => toConnectError(err, { logger }))] }) */
export function errorBoundaryInterceptor(toError: (err: unknown) => unknown): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, toError) };
    } catch (err) {
      throw toError(err);
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, toError: (err: unknown) => unknown): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    throw toError(err);
  }
}
