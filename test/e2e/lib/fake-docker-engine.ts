/**
 * A fake Docker Engine API on a UNIX socket for the agent e2e tests (these machines have no
 * Docker engine). It answers what the docker workload attestor asks, as dockerd does:
 * GET [/v<version>]/containers/<id>/json -> 200 with the inspect document's Id, Name, Image and
 * Config {Image, Labels, Env}; an unknown container -> 404 {"message":"No such container: <id>"};
 * anything else -> 404 {"message":"page not found"}. Requests are recorded for assertions.
 * (The unit tests use the fuller fake beside the attestor; this one is reachable from test/dist.)
 */
import http from 'node:http';

export interface E2eContainer {
  /** 64 lowercase hex digits. */
  readonly id: string;
  readonly name: string;
  /** Config.Image as given to `docker run`. */
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: readonly string[];
}

export interface E2eDockerEngine {
  readonly socketPath: string;
  /** `METHOD path` of every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

const INSPECT = /^(?:\/v\d+\.\d+)?\/containers\/([^/]+)\/json$/;

/** Serves the containers given on `socketPath` until close(). */
export async function startE2eDockerEngine(socketPath: string, containers: readonly E2eContainer[]): Promise<E2eDockerEngine> {
  const requests: string[] = [];
  const byId = new Map(containers.map((c) => [c.id, c]));
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://docker').pathname;
    requests.push(`${req.method ?? ''} ${path}`);
    const answer = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.47', Server: 'Docker/27.3.1 (linux)', Ostype: 'linux' });
      res.end(`${text}\n`);
    };
    const id = req.method === 'GET' ? INSPECT.exec(path)?.[1] : undefined;
    if (id === undefined) return answer(404, { message: 'page not found' });
    const container = byId.get(id);
    if (container === undefined) return answer(404, { message: `No such container: ${id}` });
    answer(200, {
      Id: container.id,
      Name: `/${container.name}`,
      Image: `sha256:${'5e'.repeat(32)}`,
      State: { Status: 'running', Running: true },
      Config: { Hostname: container.id.slice(0, 12), Image: container.image, Labels: container.labels, Env: container.env },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketPath,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
