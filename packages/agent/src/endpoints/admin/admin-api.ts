/**
 * The agent's admin API (`admin_socket_path`): plaintext gRPC on a UNIX socket (socket 0770, so
 * only the agent's user and group reach it), serving spire.agent.debug.v1.Debug,
 * spire.api.agent.logger.v1.Logger and spire.api.agent.delegatedidentity.v1.DelegatedIdentity
 * (whose callers are attested from their connection like Workload API callers). Unknown methods
 * answer UNIMPLEMENTED. As SPIRE, the socket may not sit in the Workload API socket's directory
 * (or below it), where every local process can reach it.
 */
import { dirname, resolve } from 'node:path';
import type { ConnectRouter } from '@connectrpc/connect';
import { TspireError, startUnixHttp2Server, unknownGrpcMethod, type Clock, type Logger, type UnixHttp2Server, grpcRequestHandler } from '@tspire/common';
import { agentdebugv1, agentloggerv1, delegatedidentityv1 } from '@tspire/proto';
import { AGENT_SOCKET_ERROR_CODES } from '../unix-socket.js';
import { createCallerContext, tagCallerSocket } from '../workload/caller.js';
import type { CallerAttestor } from '../workload/identity-source.js';
import { createDelegatedIdentityService, type DelegatedIdentityDeps } from './delegated-identity-service.js';
import { createAgentDebugService, type AgentDebugSource } from './debug-service.js';
import { createAgentLoggerService, type LogLevelControl } from './logger-service.js';
import type { LogLevel } from '@tspire/common';

/** What `spire-agent` subcommands use when -socketPath is not given (SPIRE's CLI default). */
export const DEFAULT_ADMIN_SOCKET_PATH = '/tmp/spire-agent/private/admin.sock';
/** gRPC's default receive limit, which SPIRE keeps. */
export const ADMIN_READ_MAX_BYTES = 4 * 1024 * 1024;
const DIR_MODE = 0o750;
const SOCKET_MODE = 0o770;

export interface AdminApiOptions {
  readonly socketPath: string;
  /** The Workload API socket: the admin socket must not be in its directory or below. */
  readonly workloadSocketPath: string;
  readonly debug: AgentDebugSource;
  /** When the agent started (ms), for Debug.GetInfo's uptime. */
  readonly startedAtMs: number;
  /** Serves the Logger API; absent: Logger methods answer UNIMPLEMENTED. */
  readonly logLevel?: { readonly control: LogLevelControl; readonly launchLevel: LogLevel } | undefined;
  /** Serves DelegatedIdentity; absent: its methods answer UNIMPLEMENTED. */
  readonly delegatedIdentity?: (Omit<DelegatedIdentityDeps, 'logger'> & { readonly attestCaller: CallerAttestor }) | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly closeGraceMs?: number;
}

/**
 * @example
 * const admin = await startAdminApi({ socketPath: config.adminSocketPath, workloadSocketPath: config.socketPath,
 *   debug: agentDebugSource(manager), startedAtMs, logLevel: { control: logger, launchLevel: config.logLevel }, logger, clock });
 * // spire-agent api ... against the admin socket; Debug.GetInfo, Logger.SetLogLevel
 * await admin.close();
 * @throws TspireError ERR_AGENT_SOCKET_PATH (bad path, or inside the Workload API socket's directory)
 *   or ERR_AGENT_SOCKET_IN_USE.
 */
export async function startAdminApi(options: AdminApiOptions): Promise<UnixHttp2Server> {
  checkOutsideWorkloadDir(options.socketPath, options.workloadSocketPath);
  const logger = options.logger.child({ subsystem_name: 'admin_api' });
  const routes = (router: ConnectRouter): void => {
    router.service(agentdebugv1.Debug, createAgentDebugService({ source: options.debug, clock: options.clock, startedAtMs: options.startedAtMs }));
    if (options.logLevel) router.service(agentloggerv1.Logger, createAgentLoggerService({ ...options.logLevel, logger }));
    if (options.delegatedIdentity) router.service(delegatedidentityv1.DelegatedIdentity, createDelegatedIdentityService({ ...options.delegatedIdentity, logger }));
  };
  const attestCaller = options.delegatedIdentity?.attestCaller;
  const server = await startUnixHttp2Server({
    socketPath: options.socketPath,
    handler: grpcRequestHandler({
      routes,
      grpc: true,
      grpcWeb: false,
      connect: false,
      readMaxBytes: ADMIN_READ_MAX_BYTES,
      fallback: unknownGrpcMethod,
      ...(attestCaller ? { contextValues: createCallerContext(attestCaller, logger) } : {}),
    }, (err) => logger.error('Request handling failed', { error: err instanceof Error ? err.message : String(err) })),
    onConnection: tagCallerSocket,
    dirMode: DIR_MODE,
    socketMode: SOCKET_MODE,
    what: 'admin socket',
    errorCodes: AGENT_SOCKET_ERROR_CODES,
    logger,
    clock: options.clock,
    ...(options.closeGraceMs !== undefined ? { closeGraceMs: options.closeGraceMs } : {}),
  });
  logger.info('Starting admin API', { address: options.socketPath, network: 'unix' });
  return server;
}

/** SPIRE refuses an admin socket the public socket's directory would expose. */
function checkOutsideWorkloadDir(adminPath: string, workloadSocketPath: string): void {
  const publicDir = dirname(resolve(workloadSocketPath));
  const admin = resolve(adminPath);
  if (admin.startsWith(`${publicDir}/`) || publicDir === '/') {
    throw new TspireError(
      'ERR_AGENT_SOCKET_PATH',
      `admin socket ${adminPath} cannot be in the same directory or a subdirectory as that containing the Workload API socket (${publicDir})`,
    );
  }
}
