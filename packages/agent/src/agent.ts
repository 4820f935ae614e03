/**
 * The agent's composition: the manager (bootstrap, sync, SVID cache) and the Workload API on the
 * public UNIX socket, whose callers are identified by SO_PEERCRED and attested by the configured
 * workload attestors under a PID-reuse guard. grpc.health.v1 on the same socket answers SERVING
 * while the manager runs. Optional: the admin API (admin_socket_path) and the health_checks HTTP
 * listener. Started in that order, stopped in reverse. Only the CLI builds the real logger and clock.
 */
import { createServerClient } from './client/server-client.js';
import type { AgentConfig, WorkloadAttestorConfig } from './config/types.js';
import { startWorkloadApi, type WorkloadApiServer } from './endpoints/workload/workload-api.js';
import type { Selector } from './endpoints/workload/identity-source.js';
import { createAgentManager, type AgentManager } from './manager/agent-manager.js';
import { agentManagerOptionsFromConfig } from './manager/options-from-config.js';
import { attestWithPidGuard } from './peercred/pid-guard.js';
import { peerCredentials } from './peercred/peer-credentials.js';
import { createDockerAttestor } from './attestor/workload/docker/docker-attestor.js';
import { createUnixAttestor } from './attestor/workload/unix/unix-attestor.js';
import type { WorkloadAttestor } from './attestor/workload/workload-attestor.js';
import { agentHealthRoutes } from './endpoints/health.js';
import { agentHealthCheck, workloadApiProbe } from './endpoints/health-checks.js';
import { startAdminApi } from './endpoints/admin/admin-api.js';
import type { LogLevelControl } from './endpoints/admin/logger-service.js';
import { startHealthHttp, type Clock, type HealthHttpServer, type Logger, type UnixHttp2Server } from '@tspire/common';
import type net from 'node:net';

export interface AgentDeps {
  logger: Logger;
  clock: Clock;
  /** Called when the agent must stop on its own (banned); the CLI exits non-zero. */
  onFatal?: (err: Error) => void;
  agentVersion?: string;
  /** Drives the admin Logger API; default: `logger` itself when it can change levels (ManagedLogger). */
  logLevelControl?: LogLevelControl;
}

export interface RunningAgent {
  readonly manager: AgentManager;
  readonly workloadApi: WorkloadApiServer;
  /** Present when admin_socket_path is set. */
  readonly adminApi: UnixHttp2Server | undefined;
  /** Present when health_checks.listener_enabled; `port` is the bound one. */
  readonly healthHttp: HealthHttpServer | undefined;
  stop(): Promise<void>;
}

function workloadAttestor(config: WorkloadAttestorConfig, logger: Logger): WorkloadAttestor {
  return config.name === 'unix' ? createUnixAttestor(config, { logger }) : createDockerAttestor(config);
}

/** Starts the agent; anything already started is stopped again when a later step fails. */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const { logger, clock } = deps;
  const startedAtMs = clock.nowMs();
  const connect = ({ trustBundle, svid }: Parameters<Parameters<typeof agentManagerOptionsFromConfig>[1]>[0]) => {
    // trustBundle undefined: insecure bootstrap (first attestation only); the manager verifies
    // the agent SVID it gets against the bundle from GetBundle before trusting anything.
    return createServerClient({
      serverAddress: config.serverAddress,
      serverPort: config.serverPort,
      trustDomain: config.trustDomain,
      trustBundle,
      ...(svid ? { svid } : {}),
    });
  };
  const manager = createAgentManager(await agentManagerOptionsFromConfig(config, connect, {
    logger, clock,
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
    ...(deps.agentVersion ? { agentVersion: deps.agentVersion } : {}),
  }));
  await manager.start();
  const attestors = config.plugins.workloadAttestors.map((attestor) => workloadAttestor(attestor, logger));
  const attestPid = async (pid: number): Promise<Selector[]> => (await Promise.all(attestors.map((a) => a.attest(pid)))).flat();
  const attestCaller = async (socket: net.Socket): Promise<Selector[]> => attestWithPidGuard(peerCredentials(socket).pid, attestPid);
  // Closers of what has started, run in reverse order on stop or when a later step fails.
  const closers: Array<() => Promise<void>> = [() => manager.stop()];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close();
  };
  let workloadApi: WorkloadApiServer;
  let adminApi: UnixHttp2Server | undefined;
  let healthHttp: HealthHttpServer | undefined;
  try {
    const api = await startWorkloadApi({
      socketPath: config.socketPath,
      identities: manager.identities,
      attestCaller,
      logger,
      clock,
      allowUnauthenticatedVerifiers: config.allowUnauthenticatedVerifiers,
      allowedForeignJwtClaims: config.allowedForeignJwtClaims,
      routes: agentHealthRoutes(() => manager.status === 'running'),
    });
    workloadApi = api;
    closers.push(() => api.close());
    adminApi = await startAdminIfConfigured(config, deps, manager, startedAtMs, { attestCaller, attestPid });
    if (adminApi) closers.push(adminApi.close);
    healthHttp = await startHealthIfEnabled(config, manager, clock, logger);
    if (healthHttp) closers.push(healthHttp.close);
  } catch (err) {
    await closeAll();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    manager,
    workloadApi,
    adminApi,
    healthHttp,
    stop() {
      stopping ??= closeAll();
      return stopping;
    },
  };
}

interface Attestation {
  attestCaller: (socket: net.Socket) => Promise<Selector[]>;
  attestPid: (pid: number) => Promise<Selector[]>;
}

function startAdminIfConfigured(config: AgentConfig, deps: AgentDeps, manager: AgentManager, startedAtMs: number, attestation: Attestation): Promise<UnixHttp2Server | undefined> {
  if (config.adminSocketPath === undefined) return Promise.resolve(undefined);
  const control = deps.logLevelControl ?? asLogLevelControl(deps.logger);
  return startAdminApi({
    socketPath: config.adminSocketPath,
    workloadSocketPath: config.socketPath,
    debug: {
      get agentSvidChainDer() { return manager.agentSvidChainDer; },
      get lastSyncSuccessMs() { return manager.lastSyncSuccessMs; },
      get x509SvidCount() { return manager.identities.x509SvidCount; },
      get jwtSvidCount() { return manager.identities.jwtSvidCount; },
    },
    startedAtMs,
    logLevel: control ? { control, launchLevel: config.logLevel } : undefined,
    delegatedIdentity: { identities: manager.identities, authorizedDelegates: config.authorizedDelegates, ...attestation },
    logger: deps.logger,
    clock: deps.clock,
  });
}

async function startHealthIfEnabled(config: AgentConfig, manager: AgentManager, clock: Clock, logger: Logger): Promise<HealthHttpServer | undefined> {
  const { listenerEnabled, ...listen } = config.healthChecks;
  if (!listenerEnabled) return undefined;
  const server = await startHealthHttp({
    ...listen,
    check: agentHealthCheck({ managerStatus: () => manager.status, probeWorkloadApi: workloadApiProbe({ socketPath: config.socketPath, clock }) }),
  });
  logger.info('Serving health checks', { address: `${listen.bindAddress}:${server.port}` });
  return server;
}

/** The CLI's ManagedLogger can change levels; a plain Logger cannot. */
function asLogLevelControl(logger: Logger): LogLevelControl | undefined {
  const candidate = logger as Partial<LogLevelControl>;
  return typeof candidate.level === 'function' && typeof candidate.setLevel === 'function' ? (candidate as LogLevelControl) : undefined;
}
