/**
 * gRPC clients for SPIRE's admin API over the server's private UNIX socket (plaintext HTTP/2),
 * so this CLI drives tspire and a real SPIRE server alike.
 */
import net from 'node:net';
import { createClient, type Client, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { agentv1, bundlev1, debugv1, entryv1, healthv1, loggerv1, svidv1, trustdomainv1, localauthorityv1 } from '@tspire/proto';
import { CliError } from './output/rpc-error.js';

/** Typed clients for every admin service, plus `close()` to end the connection. */
export interface AdminClient {
  readonly entry: Client<typeof entryv1.Entry>;
  readonly agent: Client<typeof agentv1.Agent>;
  readonly bundle: Client<typeof bundlev1.Bundle>;
  readonly svid: Client<typeof svidv1.SVID>;
  readonly trustDomain: Client<typeof trustdomainv1.TrustDomain>;
  readonly localAuthority: Client<typeof localauthorityv1.LocalAuthority>;
  readonly debug: Client<typeof debugv1.Debug>;
  readonly logger: Client<typeof loggerv1.Logger>;
  readonly health: Client<typeof healthv1.Health>;
  close(): void;
}

/** Opens admin clients; injected so tests and embedders can supply their own. */
export type AdminConnector = (socketPath: string) => Promise<AdminClient>;

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ECONNREFUSED: 'connection refused',
  EACCES: 'permission denied',
  ENOTSOCK: 'socket operation on non-socket',
  ENAMETOOLONG: 'file name too long',
  ENOTDIR: 'not a directory',
};

/** The message Go's gRPC gives when the socket cannot be dialed. */
export function dialErrorMessage(socketPath: string, err: NodeJS.ErrnoException): string {
  const reason = (err.code !== undefined ? ERRNO_TEXT[err.code] : undefined) ?? err.message;
  return `connection error: desc = "transport: error while dialing: dial unix ${socketPath}: connect: ${reason}"`;
}

/** Connects the socket now, so a missing or refused socket fails before any command logic. */
function dial(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new CliError(dialErrorMessage(socketPath, err))));
  });
}

/** Builds a gRPC transport over a UNIX socket; the first connection reuses `firstSocket`. */
export function createUnixSocketTransport(socketPath: string, firstSocket?: net.Socket): { transport: Transport; close(): void } {
  let pending = firstSocket;
  const sessionManager = new Http2SessionManager('http://localhost', undefined, {
    createConnection: () => {
      const socket = pending ?? net.connect(socketPath);
      pending = undefined;
      return socket;
    },
  });
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', sessionManager });
  return {
    transport,
    close: () => {
      pending?.destroy();
      sessionManager.abort();
    },
  };
}

/** Clients for every admin service on one transport. */
export function createAdminClientFromTransport(transport: Transport, close: () => void): AdminClient {
  return {
    entry: createClient(entryv1.Entry, transport),
    agent: createClient(agentv1.Agent, transport),
    bundle: createClient(bundlev1.Bundle, transport),
    svid: createClient(svidv1.SVID, transport),
    trustDomain: createClient(trustdomainv1.TrustDomain, transport),
    localAuthority: createClient(localauthorityv1.LocalAuthority, transport),
    debug: createClient(debugv1.Debug, transport),
    logger: createClient(loggerv1.Logger, transport),
    health: createClient(healthv1.Health, transport),
    close,
  };
}

/** The default connector: dials the socket (failing with Go's dial message), then builds clients. */
export const connectAdminSocket: AdminConnector = async (socketPath) => {
  const socket = await dial(socketPath);
  const { transport, close } = createUnixSocketTransport(socketPath, socket);
  return createAdminClientFromTransport(transport, close);
};
