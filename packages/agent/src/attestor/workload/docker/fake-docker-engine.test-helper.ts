/**
 * A fake Docker Engine API on a UNIX socket, for tests (there is no Docker engine on the build
 * machines). It answers like dockerd 27 (API 1.47) for what the attestor and these tests use:
 * - GET [/v<version>]/containers/<id or name>/json: the full container inspect document
 *   (same members, nesting and types as the real one) for a registered container;
 *   404 {"message":"No such container: <id>"} otherwise;
 * - GET [/v<version>]/_ping: "OK";
 * - an API version above 1.47 or below 1.24: 400 with the engine's message;
 * - anything else: 404 {"message":"page not found"}.
 * Every request is recorded for assertions. Headers as the engine sends them (Api-Version,
 * Server, Ostype, Docker-Experimental, Content-Type: application/json).
 */
import http from 'node:http';

export const FAKE_ENGINE_API_VERSION = '1.47';
const MIN_API_VERSION = '1.24';

export interface FakeContainer {
  /** 64 hex digits. */
  id: string;
  /** Without the leading "/". */
  name: string;
  /** Config.Image, as given at `docker run` (e.g. "nginx:1.27"). */
  image: string;
  /** The image's config digest (top-level Image). */
  imageId?: string;
  labels?: Record<string, string> | null;
  env?: string[] | null;
}

export interface FakeDockerEngine {
  readonly socketPath: string;
  /** Request paths in arrival order. */
  readonly requests: { method: string; path: string; host: string | undefined }[];
  add(container: FakeContainer): void;
  /** Replaces the next answer to a container inspect with raw text (for malformed answers). */
  answerNextInspectWith(status: number, body: string): void;
  close(): Promise<void>;
}

function versionNumber(version: string): number {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major * 1000 + minor;
}

/** The inspect document dockerd 27 returns for a running container, with this container's facts. */
export function containerInspectDocument(container: FakeContainer): Record<string, unknown> {
  const imageId = container.imageId ?? `sha256:${'5e'.repeat(32)}`;
  const started = '2025-01-15T10:20:31.123456789Z';
  return {
    Id: container.id,
    Created: '2025-01-15T10:20:30.987654321Z',
    Path: '/docker-entrypoint.sh',
    Args: ['nginx', '-g', 'daemon off;'],
    State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 48213, ExitCode: 0, Error: '', StartedAt: started, FinishedAt: '0001-01-01T00:00:00Z' },
    Image: imageId,
    ResolvConfPath: `/var/lib/docker/containers/${container.id}/resolv.conf`,
    HostnamePath: `/var/lib/docker/containers/${container.id}/hostname`,
    HostsPath: `/var/lib/docker/containers/${container.id}/hosts`,
    LogPath: `/var/lib/docker/containers/${container.id}/${container.id}-json.log`,
    Name: `/${container.name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: 'docker-default',
    ExecIDs: null,
    HostConfig: { Binds: null, ContainerIDFile: '', LogConfig: { Type: 'json-file', Config: {} }, NetworkMode: 'bridge', PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, Privileged: false, ReadonlyRootfs: false, CgroupnsMode: 'private', Memory: 0, NanoCpus: 0 },
    GraphDriver: { Data: { MergedDir: `/var/lib/docker/overlay2/${'1f'.repeat(32)}/merged` }, Name: 'overlay2' },
    Mounts: [],
    Config: {
      Hostname: container.id.slice(0, 12),
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      ExposedPorts: { '80/tcp': {} },
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: container.env === undefined ? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] : container.env,
      Cmd: ['nginx', '-g', 'daemon off;'],
      Image: container.image,
      Volumes: null,
      WorkingDir: '',
      Entrypoint: ['/docker-entrypoint.sh'],
      OnBuild: null,
      Labels: container.labels === undefined ? {} : container.labels,
      StopSignal: 'SIGQUIT',
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '7c'.repeat(32),
      SandboxKey: '/var/run/docker/netns/7c7c7c7c7c7c',
      Ports: { '80/tcp': null },
      Gateway: '172.17.0.1',
      IPAddress: '172.17.0.2',
      IPPrefixLen: 16,
      MacAddress: '02:42:ac:11:00:02',
      Networks: { bridge: { NetworkID: '3a'.repeat(32), EndpointID: '4b'.repeat(32), Gateway: '172.17.0.1', IPAddress: '172.17.0.2', IPPrefixLen: 16, MacAddress: '02:42:ac:11:00:02', DNSNames: null } },
    },
  };
}

/**
 * Starts the fake engine on `socketPath`.
 * @example
 * const engine = await startFakeDockerEngine(join(dir, 'docker.sock'));
 * engine.add({ id, name: 'web', image: 'nginx:1.27', labels: { app: 'web' } });
 */
export async function startFakeDockerEngine(socketPath: string): Promise<FakeDockerEngine> {
  const containers = new Map<string, FakeContainer>();
  const requests: FakeDockerEngine['requests'] = [];
  let nextInspect: { status: number; body: string } | undefined;

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ method: req.method ?? '', path, host: req.headers.host });
    const send = (status: number, body: unknown, raw = false): void => {
      res.writeHead(status, {
        'Api-Version': FAKE_ENGINE_API_VERSION,
        'Content-Type': raw ? 'text/plain; charset=utf-8' : 'application/json',
        'Docker-Experimental': 'false',
        Ostype: 'linux',
        Server: 'Docker/27.3.1 (linux)',
      });
      res.end(raw ? String(body) : `${JSON.stringify(body)}\n`);
    };
    const match = /^(?:\/v(\d+\.\d+))?(\/.*)$/.exec(path);
    const version = match?.[1];
    const route = match?.[2] ?? path;
    if (version !== undefined && versionNumber(version) > versionNumber(FAKE_ENGINE_API_VERSION)) {
      return send(400, { message: `client version ${version} is too new. Maximum supported API version is ${FAKE_ENGINE_API_VERSION}` });
    }
    if (version !== undefined && versionNumber(version) < versionNumber(MIN_API_VERSION)) {
      return send(400, { message: `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version` });
    }
    if (req.method === 'GET' && route === '/_ping') return send(200, 'OK', true);
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(route);
    if (req.method === 'GET' && inspect !== null) {
      if (nextInspect !== undefined) {
        const { status, body } = nextInspect;
        nextInspect = undefined;
        return send(status, body, true);
      }
      const ref = decodeURIComponent(inspect[1]!);
      const container = containers.get(ref) ?? [...containers.values()].find((c) => c.name === ref);
      if (container === undefined) return send(404, { message: `No such container: ${ref}` });
      return send(200, containerInspectDocument(container));
    }
    return send(404, { message: 'page not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    requests,
    add: (container) => void containers.set(container.id, container),
    answerNextInspectWith: (status, body) => void (nextInspect = { status, body }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
