// The `health_checks` HTTP listener: `/live` and `/ready` answer 200 or 500 with a JSON body of
// per-subsystem details, as SPIRE's health listener does.
import http from 'node:http';
import { once } from 'node:events';

export interface HealthHttpOptions {
  bindAddress: string;
  bindPort: number;
  livePath: string;
  readyPath: string;
  /** Runs the checks; `live` and `ready` decide the status codes. */
  check(): Promise<{ live: boolean; ready: boolean; details: Record<string, unknown> }>;
}

export interface HealthHttpServer {
  /** The bound port (useful when bindPort was 0). */
  readonly port: number;
  close(): Promise<void>;
}

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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
