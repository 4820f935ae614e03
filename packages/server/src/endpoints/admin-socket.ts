// The server's admin API on a UNIX socket: plaintext HTTP/2 with prior knowledge (what Go gRPC
// clients speak over UDS), serving gRPC, gRPC-Web and Connect from one connect router. Every
// caller on this socket is `local` (authorized like SPIRE's admin socket callers).
import { createContextValues } from '@connectrpc/connect';
import { startUnixHttp2Server, unknownGrpcMethod, grpcRequestHandler } from '@tspire/common';
import { callerKey, localCaller } from '../api/caller.js';
import type { RoleResolver } from '../api/authorization.js';
import type { ApiDeps } from '../api/deps.js';
import { registerServerApi, serverApiInterceptors, type ServerApiOptions } from '../api/services.js';

export const DEFAULT_ADMIN_SOCKET_PATH = '/tmp/spire-server/private/api.sock';
/** gRPC's default receive limit, which SPIRE keeps. */
export const ADMIN_READ_MAX_BYTES = 4 * 1024 * 1024;
const DIR_MODE = 0o750;
const SOCKET_MODE = 0o770;

export interface AdminSocketOptions {
  deps: ApiDeps;
  socketPath?: string;
  api?: ServerApiOptions;
  readMaxBytes?: number;
  /** roles of callers; defaults to local-only (every caller here is local) */
  resolveRoles?: RoleResolver;
  /** how long close() lets in-flight calls finish before cutting connections; default 5000 ms */
  closeGraceMs?: number;
}

export interface AdminSocketServer {
  readonly socketPath: string;
  /** Stops accepting, lets in-flight calls finish (up to the grace period), removes the socket. */
  close(): Promise<void>;
}

/**
 * @example
 * const admin = await startAdminSocket({ deps: { datastore, trustDomain, clock, logger, mintAuthority } });
 * // spire-server entry show -socketPath /tmp/spire-server/private/api.sock
 * await admin.close();
 */
export async function startAdminSocket(options: AdminSocketOptions): Promise<AdminSocketServer> {
  const socketPath = options.socketPath ?? DEFAULT_ADMIN_SOCKET_PATH;
  const { logger } = options.deps;
  const handler = grpcRequestHandler({
    routes: (router) => registerServerApi(router, options.deps, options.api),
    interceptors: serverApiInterceptors(options.deps, options.resolveRoles),
    readMaxBytes: options.readMaxBytes ?? ADMIN_READ_MAX_BYTES,
    grpc: true,
    grpcWeb: true,
    connect: true,
    contextValues: () => createContextValues().set(callerKey, localCaller),
    // Unknown methods: gRPC UNIMPLEMENTED, as grpc-go servers answer.
    fallback: unknownGrpcMethod,
  }, (err) => logger.error('Request handling failed', { error: err instanceof Error ? err.message : String(err) }));
  const server = await startUnixHttp2Server({
    socketPath,
    handler,
    logger,
    dirMode: DIR_MODE,
    socketMode: SOCKET_MODE,
    what: 'admin socket',
    ...(options.closeGraceMs !== undefined ? { closeGraceMs: options.closeGraceMs } : {}),
  });
  logger.info('Starting Server APIs', { address: socketPath, network: 'unix' });
  return server;
}
