/**
 * Workload API calls for benchmarks, over connect-node's gRPC transport on any byte stream (a
 * UNIX socket, or a relay process's stdio): FetchX509SVID on a fresh connection (connect, first
 * message, close) and long-lived FetchX509SVID streams.
 */
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { types, workload } from '@tspire/proto';
import { TRUST_DOMAIN } from './admin-server.js';

export type X509SvidResponse = workload.X509SVIDResponse;
export const SECURITY_HEADER = { 'workload.spiffe.io': 'true' } as const;

/** A connection factory for a UNIX socket path. */
export const unixSocket = (path: string) => (): Duplex => net.connect(path);

/** An entry for workloads running as `uid` under `parentId`, SPIFFE ID `spiffe://example.org<path>`. */
export function uidEntry(parentId: string, path: string, uid: number) {
  return create(types.EntrySchema, {
    spiffeId: { trustDomain: TRUST_DOMAIN, path },
    parentId: { trustDomain: TRUST_DOMAIN, path: new URL(parentId).pathname },
    selectors: [{ type: 'unix', value: `uid:${uid}` }],
    x509SvidTtl: 3600,
  });
}

function session(connect: () => Duplex) {
  const sessionManager = new Http2SessionManager('http://localhost', undefined, { createConnection: () => connect() });
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', sessionManager });
  return { client: createClient(workload.SpiffeWorkloadAPI, transport), close: () => sessionManager.abort() };
}

/** One FetchX509SVID on a new connection: the first response, then the stream and connection are closed. */
export async function fetchX509Once(connect: () => Duplex): Promise<X509SvidResponse> {
  const { client, close } = session(connect);
  const abort = new AbortController();
  try {
    for await (const response of client.fetchX509SVID({}, { headers: SECURITY_HEADER, signal: abort.signal })) {
      return response;
    }
    throw new Error('FetchX509SVID ended without a response');
  } finally {
    abort.abort();
    close();
  }
}

export interface X509Stream {
  /** The next response (in order); rejects if the stream failed. */
  next(): Promise<X509SvidResponse>;
  /** Responses received and not yet taken by next(). */
  readonly buffered: number;
  close(): void;
}

/** An open FetchX509SVID stream on its own connection; responses are queued as they arrive. */
export function openX509Stream(connect: () => Duplex): X509Stream {
  const { client, close } = session(connect);
  const abort = new AbortController();
  const queue: X509SvidResponse[] = [];
  const waiters: Array<{ resolve: (r: X509SvidResponse) => void; reject: (e: unknown) => void }> = [];
  let failure: unknown;
  void (async () => {
    try {
      for await (const response of client.fetchX509SVID({}, { headers: SECURITY_HEADER, signal: abort.signal })) {
        const waiter = waiters.shift();
        if (waiter) waiter.resolve(response);
        else queue.push(response);
      }
      failure = new Error('FetchX509SVID stream ended');
    } catch (err) {
      failure = err;
    }
    for (const waiter of waiters.splice(0)) waiter.reject(failure);
  })();
  return {
    next() {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    get buffered() {
      return queue.length;
    },
    close() {
      abort.abort();
      close();
    },
  };
}

/**
 * Whether the server gzips the first FetchX509SVID message for a client that accepts gzip: read
 * over raw HTTP/2, as the per-message compressed flag is hidden by connect's client (and the
 * `grpc-encoding` header alone does not tell: a server may name gzip and send messages plain).
 */
export function firstMessageCompressed(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/SpiffeWorkloadAPI/FetchX509SVID',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...SECURITY_HEADER,
      'grpc-accept-encoding': 'gzip',
    });
    stream.end(Buffer.alloc(5)); // an empty request message
    stream.once('data', (chunk: Buffer) => {
      resolve(chunk[0] === 1);
      stream.close();
      session.close();
    });
    stream.on('error', reject);
    stream.on('end', () => reject(new Error('FetchX509SVID ended without a message')));
  });
}
