/**
 * The `health_checks` HTTP listener of the server and the agent: GET `live_path` and `ready_path`
 * answer 200 or 500 with a JSON body of per-subsystem details, as SPIRE's health listener does.
 * Other paths get 404, other methods 405. What "live" and "ready" mean is the caller's check().
 */
import { once } from 'node:events';
import http from 'node:http';

export interface HealthState {
  live: boolean;
  ready: boolean;
  /** The JSON body of both answers. */
  details: Record<string, unknown>;
}

export interface HealthHttpOptions {
  bindAddress: string;
  /** 0 picks a free port (tests); the bound one is HealthHttpServer.port. */
  bindPort: number;
  livePath: string;
  readyPath: string;
  /** Runs the checks; `live` and `ready` decide the status codes. A rejection answers 500. */
  check(): Promise<HealthState>;
}

export interface HealthHttpServer {
  /** The bound port (useful when bindPort was 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * @example
 * const health = await startHealthHttp({ bindAddress: 'localhost', bindPort: 80, livePath: '/live',
 *   readyPath: '/ready', check: async () => ({ live: true, ready: manager.status === 'running', details: {} }) });
 * await health.close();
 */
export async function startHealthHttp(options: HealthHttpOptions): Promise<HealthHttpServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const which = path === options.livePath ? 'live' : path === options.readyPath ? 'ready' : undefined;
    if (which === undefined || req.method !== 'GET') {
      res.writeHead(which === undefined ? 404 : 405).end();
      return;
    }
    options.check().then(
      (state) => {
        res.writeHead(state[which] ? 200 : 500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(state.details));
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'health check failed' }));
      },
    );
  });
  server.listen(options.bindPort, options.bindAddress);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.bindPort;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
