/**
 * A minimal Docker Engine API client over its UNIX socket: container inspect
 * (`GET [/v<version>]/containers/<id>/json`), the only call the docker attestor makes. It reads
 * only what selectors need (Config.Labels, Config.Env, Config.Image) and checks their shape.
 * One connection per call (no keep-alive pool): inspect runs once per attested workload.
 */
import http from 'node:http';
import { WorkloadAttestorError } from '../errors.js';
import { checkDockerVersion } from './config.js';

/** What container inspect tells the attestor. */
export interface ContainerFacts {
  readonly id: string;
  /** Config.Labels, in the engine's order. */
  readonly labels: readonly (readonly [string, string])[];
  /** Config.Env, `KEY=value` strings. */
  readonly env: readonly string[];
  /** Config.Image: the image as the container was created with it (name:tag or sha256:...). */
  readonly image: string;
}

export interface DockerEngineClient {
  /** @throws WorkloadAttestorError ERR_AGENT_DOCKER_ATTESTATION (unreachable, 404, malformed). */
  inspectContainer(containerId: string): Promise<ContainerFacts>;
}

export interface DockerEngineClientOptions {
  /** Filesystem path of the Engine API socket. */
  socketPath: string;
  /** e.g. "1.41": calls `/v1.41/...`; absent: unversioned paths (the engine's current version). */
  apiVersion?: string;
  /** Socket idle timeout per call; default 10 s. */
  timeoutMs?: number;
  /** The largest response body read; default 8 MiB. */
  maxResponseBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * @example
 * const engine = createDockerEngineClient({ socketPath: '/var/run/docker.sock' });
 * const { labels, env, image } = await engine.inspectContainer(containerId);
 */
export function createDockerEngineClient(options: DockerEngineClientOptions): DockerEngineClient {
  const prefix = options.apiVersion === undefined ? '' : `/v${checkDockerVersion(options.apiVersion)}`;
  const limits = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES };
  return {
    async inspectContainer(containerId) {
      if (!/^[0-9a-f]{64}$/.test(containerId)) throw new TypeError(`not a container id: ${JSON.stringify(containerId)}`);
      const path = `${prefix}/containers/${containerId}/json`;
      const response = await get(options.socketPath, path, limits);
      if (response.status === 404) {
        fail(`container ${containerId} is not known to the Docker Engine at ${options.socketPath} (${engineMessage(response.body)}); is it run by Docker?`);
      }
      if (response.status !== 200) fail(`the Docker Engine answered GET ${path} with ${response.status}: ${engineMessage(response.body)}`);
      return containerFacts(containerId, response.body);
    },
  };
}

function fail(message: string, cause?: unknown): never {
  throw new WorkloadAttestorError('ERR_AGENT_DOCKER_ATTESTATION', message, cause === undefined ? undefined : { cause });
}

interface RawResponse {
  status: number;
  body: string;
}

function get(socketPath: string, path: string, limits: { timeoutMs: number; maxBytes: number }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const unreachable = (err: Error): void =>
      reject(new WorkloadAttestorError('ERR_AGENT_DOCKER_ATTESTATION', `cannot reach the Docker Engine API at ${socketPath}: ${err.message}`, { cause: err }));
    const request = http.request({ socketPath, path, method: 'GET', agent: false, headers: { host: 'docker', accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          response.destroy();
          request.destroy();
          reject(new WorkloadAttestorError('ERR_AGENT_DOCKER_ATTESTATION', `the Docker Engine response to GET ${path} is larger than ${limits.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', unreachable);
    });
    request.setTimeout(limits.timeoutMs, () => request.destroy(new Error(`no answer to GET ${path} within ${limits.timeoutMs} ms`)));
    request.on('error', unreachable);
    request.end();
  });
}

/** The engine's `{"message": "..."}` error body, or the start of whatever it sent. */
function engineMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through
  }
  return JSON.stringify(body.slice(0, 200));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads Config.{Labels,Env,Image}; null Labels/Env (older engines) count as empty. */
function containerFacts(containerId: string, body: string): ContainerFacts {
  const malformed = (why: string): never => fail(`the Docker Engine inspect answer for container ${containerId} is malformed: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    return fail(`the Docker Engine inspect answer for container ${containerId} is not JSON: ${(err as Error).message}`, err);
  }
  if (!isObject(parsed)) return malformed('not an object');
  if (typeof parsed['Id'] === 'string' && parsed['Id'] !== containerId) return malformed(`it describes container ${JSON.stringify(parsed['Id'])}`);
  const config = parsed['Config'];
  if (!isObject(config)) return malformed('no Config object');
  const labelsValue = config['Labels'] ?? {};
  if (!isObject(labelsValue)) return malformed('Config.Labels is not an object');
  const labels = Object.entries(labelsValue).map(([key, value]): [string, string] =>
    typeof value === 'string' ? [key, value] : malformed(`Config.Labels[${JSON.stringify(key)}] is not a string`),
  );
  const envValue = config['Env'] ?? [];
  if (!Array.isArray(envValue) || !envValue.every((item): item is string => typeof item === 'string')) return malformed('Config.Env is not a list of strings');
  const image = config['Image'] ?? '';
  if (typeof image !== 'string') return malformed('Config.Image is not a string');
  return { id: containerId, labels, env: envValue, image };
}
