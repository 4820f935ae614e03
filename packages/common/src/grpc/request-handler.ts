/**
 * The request handler every gRPC listener of tspire uses: connect-node's adapter behind a guard.
 *
 * connect-node builds a URL from the request's `:authority` (or `Host`) outside any promise, so a
 * value that is not a valid host, or none at all, throws from the 'request' listener and kills
 * the process. gRPC's C core (grpcio in Python, and others) sends a UNIX socket path,
 * percent-encoded, as the authority; anyone able to reach a TCP port can send anything. tspire
 * never routes or authorizes by authority, so the guard replaces it with `localhost` before the
 * adapter sees it, and answers any other synchronous failure with a gRPC INTERNAL status instead
 * of crashing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Code } from '@connectrpc/connect';
import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;
export type GrpcRequestHandler = (req: NodeRequest, res: NodeResponse) => void;

/** What the guard does with a request whose handling throws synchronously (logged by the caller). */
export type RequestFailureListener = (err: unknown) => void;

/**
 * connectNodeAdapter(options), guarded.
 * @example
 * const handler = grpcRequestHandler({ routes, fallback: unknownGrpcMethod }, (err) => logger.error('Request failed', { error: String(err) }));
 * http2.createServer(handler);
 */
export function grpcRequestHandler(options: ConnectNodeAdapterOptions, onFailure?: RequestFailureListener): GrpcRequestHandler {
  return guardRequestHandler(connectNodeAdapter(options) as GrpcRequestHandler, onFailure);
}

/** Wraps any node request handler with the authority fix and the synchronous-failure answer. */
export function guardRequestHandler(handler: GrpcRequestHandler, onFailure?: RequestFailureListener): GrpcRequestHandler {
  return (req, res) => {
    try {
      // Http2ServerRequest.authority reads this same headers object.
      const headers = req.headers as Record<string, string | string[] | undefined>;
      if (':authority' in headers || 'stream' in req) headers[':authority'] = 'localhost';
      else headers['host'] = 'localhost';
      handler(req, res);
    } catch (err) {
      onFailure?.(err);
      answerInternal(res);
    }
  };
}

function answerInternal(res: NodeResponse): void {
  try {
    if ('stream' in res && !res.stream.headersSent && !res.stream.destroyed) {
      res.stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Code.Internal), 'grpc-message': 'internal error' },
        { endStream: true },
      );
      return;
    }
    if (!res.headersSent) res.writeHead(500);
    res.end();
  } catch {
    // The stream is already gone: nothing left to answer.
  }
}
