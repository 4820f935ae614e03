/**
 * A SPIFFE Workload API client for the `spire-agent` CLI: gRPC over the agent's UNIX socket,
 * every call carrying the `workload.spiffe.io: true` security header. The connection is made
 * lazily by the first call, as Go's gRPC client does, so flag checks run without a socket.
 */
import net from 'node:net';
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { healthv1, workload } from '@tspire/proto';

export const SECURITY_HEADER = 'workload.spiffe.io';

export interface WorkloadConnection {
  readonly workload: Client<typeof workload.SpiffeWorkloadAPI>;
  /** grpc.health.v1 on the same socket (no security header needed, none sent). */
  readonly health: Client<typeof healthv1.Health>;
  close(): void;
}

/** Opens (lazily) a connection to the Workload API socket at `socketPath`. */
export type WorkloadConnector = (socketPath: string) => WorkloadConnection;

const addSecurityHeader: Interceptor = (next) => (req) => {
  req.header.set(SECURITY_HEADER, 'true');
  return next(req);
};

/** Go's strerror text for the errors a UNIX socket dial gives. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ECONNREFUSED: 'connection refused',
  EACCES: 'permission denied',
  ENOTSOCK: 'socket operation on non-socket',
  ENOTDIR: 'not a directory',
};

/**
 * Rewrites what connect-node reports for a failed dial or a client-side deadline as grpc-go
 * words it (`Unavailable ... dial unix <path>: connect: <reason>`, `context deadline exceeded`);
 * other errors pass through.
 */
export function dialError(socketPath: string, err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  if (err.code === Code.DeadlineExceeded && err.rawMessage === 'the operation timed out') {
    return new ConnectError('context deadline exceeded', Code.DeadlineExceeded, undefined, undefined, err);
  }
  const errno = findErrno(err);
  if (errno === undefined || !/connect E/.test(String(err.rawMessage) + String((err.cause as Error | undefined)?.message))) return err;
  const reason = ERRNO_TEXT[errno] ?? errno;
  return new ConnectError(
    `connection error: desc = "transport: Error while dialing: dial unix ${socketPath}: connect: ${reason}"`,
    Code.Unavailable,
    undefined,
    undefined,
    err,
  );
}

function findErrno(err: unknown): string | undefined {
  for (let cause: unknown = err, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Wraps every method of a client so dial failures read as grpc-go's. */
function withDialErrors<T extends object>(client: T, socketPath: string): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(dialError(socketPath, err)));
        if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
          return mapStreamErrors(result as AsyncIterable<unknown>, socketPath);
        }
        return result;
      };
    },
  });
}

async function* mapStreamErrors<T>(stream: AsyncIterable<T>, socketPath: string): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (err) {
    throw dialError(socketPath, err);
  }
}

/** The default connector: gRPC (HTTP/2 with prior knowledge) over the UNIX socket. */
export const connectWorkloadApi: WorkloadConnector = (socketPath) => {
  const sockets = new Set<net.Socket>();
  const transportFor = (interceptors: Interceptor[]) =>
    createGrpcTransport({
      baseUrl: 'http://localhost',
      interceptors,
      nodeOptions: {
        createConnection: () => {
          const socket = net.connect(socketPath);
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          return socket;
        },
      },
    });
  return {
    workload: withDialErrors(createClient(workload.SpiffeWorkloadAPI, transportFor([addSecurityHeader])), socketPath),
    health: withDialErrors(createClient(healthv1.Health, transportFor([])), socketPath),
    close() {
      for (const socket of sockets) socket.destroy();
    },
  };
};
