// The server's admin API on a UNIX socket: plaintext HTTP/2 with prior knowledge (what Go gRPC
// clients speak over UDS), serving gRPC, gRPC-Web and Connect from one connect router. Every
// caller on this socket is `local` (authorized like SPIRE's admin socket callers).
import { mkdir, chmod, lstat, unlink } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { dirname } from 'node:path';
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { callerKey, localCaller } from '../api/caller.js';
import type { RoleResolver } from '../api/authorization.js';
import type { ApiDeps } from '../api/deps.js';
import { registerServerApi, serverApiInterceptors, type ServerApiOptions } from '../api/services.js';
import { unknownGrpcMethod } from './unknown-method.js';

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
  await mkdir(dirname(socketPath), { recursive: true, mode: DIR_MODE });
  await removeStaleSocket(socketPath);

  const handler = connectNodeAdapter({
    routes: (router) => registerServerApi(router, options.deps, options.api),
    interceptors: serverApiInterceptors(options.deps, options.resolveRoles),
    readMaxBytes: options.readMaxBytes ?? ADMIN_READ_MAX_BYTES,
    grpc: true,
    grpcWeb: true,
    connect: true,
    contextValues: () => createContextValues().set(callerKey, localCaller),
    // Unknown methods: gRPC UNIMPLEMENTED, as grpc-go servers answer.
    fallback: unknownGrpcMethod,
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('sessionError', (err) => logger.debug('Admin socket session error', { error: err.message }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error('Admin socket server error', { error: err.message }));
  try {
    await chmod(socketPath, SOCKET_MODE);
  } catch (err) {
    server.close();
    throw err;
  }
  logger.info('Starting Server APIs', { address: socketPath, network: 'unix' });

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closing ??= closeServer(server, sessions, options.closeGraceMs ?? 5000).then(() => unlinkIfPresent(socketPath));
      return closing;
    },
  };
}

async function closeServer(server: http2.Http2Server, sessions: Set<http2.ServerHttp2Session>, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Graceful: GOAWAY, in-flight streams finish; a session still open after the grace period is cut.
  for (const session of sessions) session.close();
  const force = setTimeout(() => { for (const session of sessions) session.destroy(); }, graceMs);
  force.unref();
  await closed;
  clearTimeout(force);
}

/** Removes a leftover socket file only when nothing listens on it; refuses non-socket files. */
async function removeStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isSocket()) throw new Error(`admin socket path ${path} exists and is not a socket; refusing to remove it`);
  if (await isListening(path)) throw new Error(`admin socket ${path} is in use by another process`);
  await unlinkIfPresent(path);
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
