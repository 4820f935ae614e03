// The one boundary: every error a handler throws (unary or mid-stream) leaves as a ConnectError
// with the right code, chosen by toConnectError.
import type { Interceptor } from '@connectrpc/connect';
import type { ApiLogger } from './deps.js';
import { toConnectError } from './errors.js';

export function errorInterceptor(logger: ApiLogger): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, logger) };
    } catch (err) {
      throw toConnectError(err, logger);
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, logger: ApiLogger): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    throw toConnectError(err, logger);
  }
}
