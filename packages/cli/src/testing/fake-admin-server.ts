/**
 * A unit-test stand-in for the SPIRE admin API: a connect-node HTTP/2 server on a real UNIX
 * socket in a temp dir, serving only the RPCs a test registers and recording every request.
 */
import http2 from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';

export interface RecordedCall {
  /** `Service/Method`, e.g. `Entry/BatchCreateEntry`. */
  readonly method: string;
  readonly request: unknown;
}

export interface FakeAdminServer {
  readonly socketPath: string;
  /** Every request received, in order. */
  readonly calls: RecordedCall[];
  /** The requests of one method, typed by the caller. */
  requests<T>(method: string): T[];
  close(): Promise<void>;
}

/** Starts the server; `routes` registers the services (partial implementations are fine). */
export async function startFakeAdminServer(routes: (router: ConnectRouter) => void): Promise<FakeAdminServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-cli-'));
  const socketPath = join(dir, 'api.sock');
  const calls: RecordedCall[] = [];
  const handler = connectNodeAdapter({
    routes,
    interceptors: [
      (next) => async (req) => {
        if (!req.stream) calls.push({ method: `${req.service.name}/${req.method.name}`, request: req.message });
        return next(req);
      },
    ],
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    calls,
    requests: <T>(method: string) => calls.filter((c) => c.method === method).map((c) => c.request as T),
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
