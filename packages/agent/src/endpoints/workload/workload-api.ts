/**
 * The agent's public endpoint: the SPIFFE Workload API over plaintext HTTP/2 with prior knowledge
 * (what gRPC clients speak on a UNIX socket), gRPC protocol only, as SPIRE serves it. Other
 * services for the same socket (SDS, health) can be added with `routes`; the security header is
 * required on the Workload API only. Unknown methods get gRPC UNIMPLEMENTED.
 */
import { grpcRequestHandler, startUnixHttp2Server } from '@tspire/common';
import type { ConnectRouter } from '@connectrpc/connect';
import type { Clock, Logger } from '@tspire/common';
import { AGENT_SOCKET_ERROR_CODES } from '../unix-socket.js';
import { unknownGrpcMethod } from '../unknown-method.js';
import { createCallerContext, tagCallerSocket } from './caller.js';
import { registerWorkloadApi } from './handler.js';
import type { CallerAttestor, WorkloadIdentitySource } from './identity-source.js';

/** SPIRE's default `socket_path`. */
export const DEFAULT_WORKLOAD_SOCKET_PATH = '/tmp/spire-agent/public/api.sock';
/** gRPC's default receive limit, which SPIRE keeps. */
export const WORKLOAD_API_READ_MAX_BYTES = 4 * 1024 * 1024;
// Every local process may connect; what it gets is decided by attestation (spire-compat 2.1).
const DIR_MODE = 0o755;
const SOCKET_MODE = 0o777;

export interface WorkloadApiOptions {
  /** Default DEFAULT_WORKLOAD_SOCKET_PATH. */
  readonly socketPath?: string;
  readonly identities: WorkloadIdentitySource;
  /** Attests the peer of a connection (once per connection, see caller.ts). */
  readonly attestCaller: CallerAttestor;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Serve FetchX509Bundles/FetchJWTBundles to callers without identity (default false). */
  readonly allowUnauthenticatedVerifiers?: boolean;
  /** Claims ValidateJWTSVID keeps for foreign tokens besides the registered ones (default none). */
  readonly allowedForeignJwtClaims?: readonly string[];
  /** More services on the same socket (SDS, health); they see no security-header check. */
  readonly routes?: (router: ConnectRouter) => void;
  readonly readMaxBytes?: number;
  /** How long close() lets in-flight unary calls finish before cutting connections; default 5000 ms. */
  readonly closeGraceMs?: number;
}

export interface WorkloadApiServer {
  readonly socketPath: string;
  /** Ends open streams with UNAVAILABLE, lets unary calls finish (up to the grace period), removes the socket. */
  close(): Promise<void>;
}

/**
 * @example
 * const api = await startWorkloadApi({ identities: cache, attestCaller, logger, clock });
 * // spire-agent api fetch x509 -socketPath /tmp/spire-agent/public/api.sock
 * await api.close();
 */
export async function startWorkloadApi(options: WorkloadApiOptions): Promise<WorkloadApiServer> {
  const socketPath = options.socketPath ?? DEFAULT_WORKLOAD_SOCKET_PATH;
  const logger = options.logger;
  const shutdown = new AbortController();
  const protocols = { grpc: true, grpcWeb: false, connect: false } as const;

  const handler = grpcRequestHandler({
    ...protocols,
    routes: (router) => {
      registerWorkloadApi(
        router,
        {
          identities: options.identities,
          logger,
          clock: options.clock,
          allowUnauthenticatedVerifiers: options.allowUnauthenticatedVerifiers ?? false,
          allowedForeignJwtClaims: options.allowedForeignJwtClaims ?? [],
          shutdownSignal: shutdown.signal,
        },
        protocols,
      );
      options.routes?.(router);
    },
    readMaxBytes: options.readMaxBytes ?? WORKLOAD_API_READ_MAX_BYTES,
    // Responses go uncompressed, as SPIRE's (grpc-go compresses only when told to): connect would
    // gzip every response of 1 KiB or more for clients that accept gzip, about 0.5 ms of CPU per
    // response (a zlib stream each) for SVIDs and keys, which hardly compress. Compressed requests
    // are still accepted.
    compressMinBytes: Number.POSITIVE_INFINITY,
    contextValues: createCallerContext(options.attestCaller, logger),
    fallback: unknownGrpcMethod,
  }, (err) => logger.error('Request handling failed', { error: err instanceof Error ? err.message : String(err) }));
  const server = await startUnixHttp2Server({
    socketPath,
    handler,
    logger,
    what: 'Workload API socket',
    dirMode: DIR_MODE,
    socketMode: SOCKET_MODE,
    errorCodes: AGENT_SOCKET_ERROR_CODES,
    // Tags each raw socket before any request, so handlers find the caller's peer credentials.
    onConnection: tagCallerSocket,
    clock: options.clock,
    closeGraceMs: options.closeGraceMs ?? 5000,
  });
  logger.info('Starting Workload API', { address: socketPath, network: 'unix' });

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      // Open streams end at once (UNAVAILABLE) on the shutdown signal; then GOAWAY and the grace period.
      closing ??= (shutdown.abort(), server.close());
      return closing;
    },
  };
}
