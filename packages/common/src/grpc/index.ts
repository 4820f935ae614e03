export { MAX_UNIX_SOCKET_PATH_BYTES, listenOnUnixSocket, unlinkSocket, type UnixSocketListenOptions } from './unix-socket.js';
export { DEFAULT_CLOSE_GRACE_MS, startUnixHttp2Server, type UnixHttp2Server, type UnixHttp2ServerOptions } from './unix-http2-server.js';
export { unknownGrpcMethod } from './unknown-method.js';
export { grpcRequestHandler, guardRequestHandler, type GrpcRequestHandler, type RequestFailureListener } from './request-handler.js';
export { errorBoundaryInterceptor } from './error-boundary.js';
