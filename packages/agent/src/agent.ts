/**
 * The agent's composition: the manager (bootstrap, sync, SVID cache) and the Workload API on the
 * public UNIX socket, whose callers are identified by SO_PEERCRED and attested by the configured
 * workload attestors under a PID-reuse guard. grpc.health.v1 on the same socket answers SERVING
 * while the manager runs. Only the CLI builds the real logger and clock.
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
import type { Clock, Logger } from '@tspire/common';
import type net from 'node:net';

export interface AgentDeps {
  logger: Logger;
  clock: Clock;
  /** Called when the agent must stop on its own (banned); the CLI exits non-zero. */
  onFatal?: (err: Error) => void;
  agentVersion?: string;
}

export interface RunningAgent {
  readonly manager: AgentManager;
  readonly workloadApi: WorkloadApiServer;
  stop(): Promise<void>;
}

function workloadAttestor(config: WorkloadAttestorConfig, logger: Logger): WorkloadAttestor {
  return config.name === 'unix' ? createUnixAttestor(config, { logger }) : createDockerAttestor(config);
}

/** Starts the agent; anything already started is stopped again when a later step fails. */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const { logger, clock } = deps;
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
  const attestCaller = async (socket: net.Socket): Promise<Selector[]> => {
    const { pid } = peerCredentials(socket);
    const found = await attestWithPidGuard(pid, (p) => Promise.all(attestors.map((a) => a.attest(p))));
    return found.flat();
  };
  let workloadApi: WorkloadApiServer;
  try {
    workloadApi = await startWorkloadApi({
      socketPath: config.socketPath,
      identities: manager.identities,
      attestCaller,
      logger,
      clock,
      allowUnauthenticatedVerifiers: config.allowUnauthenticatedVerifiers,
      allowedForeignJwtClaims: config.allowedForeignJwtClaims,
      routes: agentHealthRoutes(() => manager.status === 'running'),
    });
  } catch (err) {
    await manager.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    manager,
    workloadApi,
    stop() {
      stopping ??= (async () => {
        await workloadApi.close();
        await manager.stop();
      })();
      return stopping;
    },
  };
}
