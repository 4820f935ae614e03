/**
 * A plaintext HTTP/2 (prior knowledge) server on a UNIX socket: what gRPC clients speak over
 * UDS. The server's admin socket and the agent's admin socket serve their connect routers with
 * it. close() sends GOAWAY so in-flight calls finish, cuts sessions still open after a grace
 * period, and removes the socket file.
 */
import http2 from 'node:http2';
import type net from 'node:net';
import type { Logger } from '../log/logger.js';
import { systemClock, type Clock } from '../time/clock.js';
import { listenOnUnixSocket, unlinkSocket, type UnixSocketListenOptions } from './unix-socket.js';

export const DEFAULT_CLOSE_GRACE_MS = 5000;

export interface UnixHttp2ServerOptions extends UnixSocketListenOptions {
  readonly socketPath: string;
  /** The request handler, e.g. connectNodeAdapter({ routes, fallback: unknownGrpcMethod }). */
  readonly handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  readonly logger: Pick<Logger, 'debug' | 'error'>;
  /** Runs on every accepted connection before any request (e.g. to tag it for peer credentials). */
  readonly onConnection?: (socket: net.Socket) => void;
  /** How long close() lets in-flight calls finish before cutting connections; default 5000 ms. */
  readonly closeGraceMs?: number;
  readonly clock?: Clock;
}

export interface UnixHttp2Server {
  readonly socketPath: string;
  /** Stops accepting, lets in-flight calls finish (up to the grace period), removes the socket. */
  close(): Promise<void>;
}

/**
 * @example
 * const server = await startUnixHttp2Server({
 *   socketPath: '/tmp/spire-agent/private/admin.sock', dirMode: 0o750, socketMode: 0o770,
 *   what: 'admin socket', handler: connectNodeAdapter({ routes, fallback: unknownGrpcMethod }), logger,
 * });
 * await server.close();
 */
export async function startUnixHttp2Server(options: UnixHttp2ServerOptions): Promise<UnixHttp2Server> {
  const { socketPath, logger, what } = options;
  const server = http2.createServer(options.handler);
  // Runs after node's own 'connection' listener (registered by the constructor), before any request.
  if (options.onConnection) server.on('connection', options.onConnection);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('sessionError', (err) => logger.debug(`${what} session error`, { error: err.message }));
  await listenOnUnixSocket(server, socketPath, options);
  server.on('error', (err) => logger.error(`${what} server error`, { error: err.message }));

  const clock = options.clock ?? systemClock;
  const graceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closing ??= closeSessions(server, sessions, clock, graceMs).then(() => unlinkSocket(socketPath));
      return closing;
    },
  };
}

async function closeSessions(server: http2.Http2Server, sessions: Set<http2.ServerHttp2Session>, clock: Clock, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // GOAWAY: in-flight streams finish; a session still open after the grace period is cut.
  for (const session of sessions) session.close();
  const cancelForce = clock.after(graceMs, () => {
    for (const session of sessions) session.destroy();
  });
  await closed;
  cancelForce();
}
