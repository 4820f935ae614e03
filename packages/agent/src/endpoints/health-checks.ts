/**
 * What the agent's `health_checks` HTTP listener answers (the listener itself is @tspire/common's
 * startHealthHttp). Live: the manager has not failed. Ready: the manager runs and the Workload
 * API answers on its socket, as SPIRE checks it: the agent fetches an X.509 context from its own
 * socket, and "no identity issued" (PERMISSION_DENIED) still proves the API serves.
 */
import net from 'node:net';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { Clock, HealthState } from '@tspire/common';
import { workload } from '@tspire/proto';
import { SECURITY_HEADER } from './workload/interceptors.js';

/** How long a readiness probe waits for the Workload API. */
export const WORKLOAD_PROBE_TIMEOUT_MS = 5000;

export interface AgentHealthOptions {
  /** The manager's status ('new' | 'running' | 'stopped' | 'failed'). */
  readonly managerStatus: () => string;
  /** Resolves when the Workload API serves; rejects with the reason otherwise. */
  readonly probeWorkloadApi: () => Promise<void>;
}

/**
 * @example startHealthHttp({ ...config.healthChecks, check: agentHealthCheck({ managerStatus: () => manager.status, probeWorkloadApi }) })
 */
export function agentHealthCheck(options: AgentHealthOptions): () => Promise<HealthState> {
  return async () => {
    const status = options.managerStatus();
    const live = status !== 'failed';
    let workloadApiError: string | undefined;
    if (status === 'running') {
      try {
        await options.probeWorkloadApi();
      } catch (err) {
        workloadApiError = (err as Error).message;
      }
    } else {
      workloadApiError = `the agent manager is ${status}`;
    }
    const ready = live && workloadApiError === undefined;
    const details = { manager_status: status, ...(workloadApiError !== undefined ? { workload_api_err: workloadApiError } : {}) };
    return { live, ready, details: { agent: details } };
  };
}

export interface WorkloadApiProbeOptions {
  readonly socketPath: string;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** A probe that opens a connection to the Workload API and waits for the first FetchX509SVID answer. */
export function workloadApiProbe(options: WorkloadApiProbeOptions): () => Promise<void> {
  return async () => {
    const sockets = new Set<net.Socket>();
    const transport = createGrpcTransport({
      baseUrl: 'http://localhost',
      nodeOptions: {
        createConnection: () => {
          const socket = net.connect(options.socketPath);
          sockets.add(socket);
          return socket;
        },
      },
    });
    const client = createClient(workload.SpiffeWorkloadAPI, transport);
    const abort = new AbortController();
    const cancelTimeout = options.clock.after(options.timeoutMs ?? WORKLOAD_PROBE_TIMEOUT_MS, () => abort.abort(new Error('timed out waiting for the Workload API')));
    try {
      for await (const _ of client.fetchX509SVID({}, { signal: abort.signal, headers: { [SECURITY_HEADER]: 'true' } })) break;
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.PermissionDenied)) {
        throw new Error(`cannot fetch an X.509 context from the Workload API: ${err instanceof ConnectError ? err.rawMessage : (err as Error).message}`);
      }
    } finally {
      cancelTimeout();
      abort.abort();
      for (const socket of sockets) socket.destroy();
    }
  };
}
