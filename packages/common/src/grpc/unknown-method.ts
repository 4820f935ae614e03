/**
 * The adapter fallback for requests no route matches: gRPC clients expect a gRPC status, not an
 * HTTP 404, for a method a server or agent does not serve.
 */
import { Code } from '@connectrpc/connect';
import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';

type NodeHandlerFn = NonNullable<ConnectNodeAdapterOptions['fallback']>;

/**
 * gRPC requests get a "Trailers-Only" UNIMPLEMENTED (HEADERS with END_STREAM) as grpc-go servers
 * answer; others a 404.
 * @example connectNodeAdapter({ routes, fallback: unknownGrpcMethod })
 */
export const unknownGrpcMethod: NodeHandlerFn = (req, res) => {
  const contentType = String(req.headers['content-type'] ?? '');
  if ('stream' in res && /^application\/grpc(\+|;|$)/.test(contentType)) {
    res.stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(Code.Unimplemented),
        'grpc-message': encodeURIComponent(`unknown method ${req.url ?? ''}`),
      },
      { endStream: true },
    );
    return;
  }
  res.writeHead(404);
  res.end();
};
