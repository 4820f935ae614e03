/**
 * spiffe-helper's health_checks listener (daemon mode only): GET liveness_path answers 200 while
 * no output's latest update failed, GET readiness_path answers 200 once every output has been
 * written; 500 otherwise. The JSON body names each output's state (never file contents).
 */
import { createServer, type Server } from 'node:http';
import type { HealthChecks } from './config.js';
import type { SpiffeHelper } from './helper.js';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The body and status of a liveness or readiness answer. */
export function healthAnswer(helper: SpiffeHelper, kind: 'live' | 'ready'): { status: number; body: string } {
  const ok = kind === 'live' ? helper.live : helper.ready;
  const outputs = Object.fromEntries(
    [...helper.outputs()].map(([name, s]) => [name, s.lastError === undefined ? { written: s.written } : { written: s.written, last_error: s.lastError }]),
  );
  return { status: ok ? 200 : 500, body: JSON.stringify({ [kind]: ok, outputs }) };
}

/** Listens on all interfaces at `bind_port` (0 picks a free port), as the original does. */
export async function startHealthServer(config: HealthChecks, helper: SpiffeHelper, host?: string): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const kind = path === config.livenessPath ? 'live' : path === config.readinessPath ? 'ready' : undefined;
    if (kind === undefined || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    const { status, body } = healthAnswer(helper, kind);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.bindPort, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.bindPort;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
