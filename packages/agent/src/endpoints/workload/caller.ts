/**
 * Who is calling: the selectors of the process on the other end of the connection, found by the
 * injected attestor from the connection's socket.
 *
 * Attestation happens on the first request that needs it and is cached per HTTP/2 session, i.e.
 * per connection. That is safe on a UNIX socket because its peer cannot change: the kernel
 * records the peer's credentials (SO_PEERCRED) when it connects, and every later request on the
 * connection comes from whoever holds that same socket, which only the original peer (or a
 * process it deliberately handed the descriptor to) can. A TCP or proxied transport, where one
 * connection could carry several callers, must not use this cache. A failed attestation is not
 * cached: the next request tries again.
 *
 * The socket: node gives a session only a proxy of its socket (which refuses destroy/pause/...).
 * The server tags each raw socket when it connects (tagCallerSocket); reads through the proxy
 * are routed to the raw socket (documented for http2session.socket), so the handler finds the
 * raw net.Socket, with its file descriptor, behind any request.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import { Code, ConnectError, createContextKey, createContextValues, type ContextValues, type HandlerContext } from '@connectrpc/connect';
import type { Logger } from '@tspire/common';
import type { CallerAttestor, Selector } from './identity-source.js';

/** SPIRE's status when workload attestation fails; clients retry with backoff. */
export const ATTESTATION_FAILED_MESSAGE = 'workload attestation failed';

const CALLER_SOCKET = Symbol('tspire.workloadApi.callerSocket');

type TaggedSocket = Socket & { [CALLER_SOCKET]?: Socket };
/** What connect-node hands `contextValues` (its NodeServerRequest, not exported). */
type NodeServerRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** What a handler can ask about its caller. */
export interface WorkloadCaller {
  /** The caller's selectors; rejects with UNAVAILABLE "workload attestation failed". */
  selectors(): Promise<readonly Selector[]>;
}

const unattested: WorkloadCaller = {
  selectors: () => Promise.reject(new ConnectError(ATTESTATION_FAILED_MESSAGE, Code.Unavailable)),
};

/** Holds the caller of a request; the default (no connection information) fails attestation. */
export const workloadCallerKey = createContextKey<WorkloadCaller>(unattested, { description: 'Workload API caller' });

/** The caller's selectors, attested (or cached for its connection). */
export function callerSelectors(ctx: HandlerContext): Promise<readonly Selector[]> {
  return ctx.values.get(workloadCallerKey).selectors();
}

/** For the http2 server's 'connection' event: marks the raw socket so requests can find it. */
export function tagCallerSocket(socket: Socket): void {
  (socket as TaggedSocket)[CALLER_SOCKET] = socket;
}

/**
 * The adapter's `contextValues`: a lazy WorkloadCaller per request, sharing one attestation per
 * session.
 */
export function createCallerContext(attest: CallerAttestor, logger: Logger): (req: NodeServerRequest) => ContextValues {
  const attestations = new WeakMap<http2.Http2Session, Promise<readonly Selector[]>>();

  const attestSession = (session: http2.Http2Session, socket: Socket): Promise<readonly Selector[]> => {
    let pending = attestations.get(session);
    if (pending === undefined) {
      const attempt = runAttestor(attest, socket);
      pending = attempt;
      attestations.set(session, attempt);
      attempt.catch(() => {
        if (attestations.get(session) === attempt) attestations.delete(session);
      });
    }
    return pending;
  };

  return (req) => {
    const values = createContextValues();
    const session = 'stream' in req ? req.stream.session : undefined;
    const socket = session === undefined ? undefined : rawSocketOf(session);
    if (session === undefined || socket === undefined) return values; // default: attestation fails
    values.set(workloadCallerKey, {
      selectors: () =>
        attestSession(session, socket).catch((err: unknown) => {
          logger.error('Workload attestation failed', { error: err instanceof Error ? err.message : String(err) });
          throw new ConnectError(ATTESTATION_FAILED_MESSAGE, Code.Unavailable);
        }),
    });
    return values;
  };
}

async function runAttestor(attest: CallerAttestor, socket: Socket): Promise<readonly Selector[]> {
  const selectors: unknown = await attest(socket);
  if (!Array.isArray(selectors)) throw new Error('the workload attestor did not return a list of selectors');
  return Object.freeze(
    selectors.map((selector: unknown, i) => {
      const { type, value } = (selector ?? {}) as Partial<Selector>;
      if (typeof type !== 'string' || type === '' || typeof value !== 'string') {
        throw new Error(`the workload attestor returned a malformed selector at index ${i}`);
      }
      return Object.freeze({ type, value });
    }),
  );
}

function rawSocketOf(session: http2.Http2Session): Socket | undefined {
  try {
    return (session.socket as TaggedSocket | undefined)?.[CALLER_SOCKET];
  } catch {
    return undefined; // the session lost its socket (ERR_HTTP2_SOCKET_UNBOUND)
  }
}
