// The server's agent-facing endpoint: gRPC over TLS on bind_address:bind_port, presenting the
// server X509-SVID. A client certificate is requested, not required: without one a caller may
// use only the public RPCs (AttestAgent, GetBundle); with one, it must verify (peer-verifier.ts)
// before any request is served, or the connection is dropped (fail closed). The verified SVID is
// the caller's only identity; roles come from the injected RoleResolver.
import { grpcRequestHandler } from '@tspire/common';
import { constants as cryptoConstants, type KeyObject } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createContextValues } from '@connectrpc/connect';
import type { Clock } from '@tspire/common';
import { encodePem, type X509Bundle } from '@tspire/spiffe';
import { authorizationInterceptor, type RoleResolver } from '../api/authorization.js';
import { callerKey, type CallerContext } from '../api/caller.js';
import type { ApiDeps, ApiLogger } from '../api/deps.js';
import { errorInterceptor } from '../api/error-interceptor.js';
import { rateLimitInterceptor, type RateLimitConfig } from '../api/ratelimit-interceptor.js';
import { registerServerApi, type ServerApiOptions } from '../api/services.js';
import { DEFAULT_MAX_CONNECTION_AGE_MS, limitConnectionAge } from './connection-age.js';
import { createPeerVerifier } from './peer-verifier.js';
import { unknownGrpcMethod } from './unknown-method.js';

export const DEFAULT_BIND_ADDRESS = '0.0.0.0';
export const DEFAULT_BIND_PORT = 8081;
/** gRPC's default receive limit, which SPIRE keeps. */
export const TCP_READ_MAX_BYTES = 4 * 1024 * 1024;

/** The server's own X509-SVID as the TLS layer needs it. */
export interface ServerSvidMaterial {
  /** DER, leaf first, then intermediates (up to but excluding the root) */
  certChainDer: Uint8Array[];
  privateKey: KeyObject;
  /** for logs */
  serial: string;
}

export interface TcpEndpointOptions {
  /** default 0.0.0.0 */
  bindAddress?: string;
  /** default 8081; 0 = an ephemeral port (see TcpEndpoint.port) */
  bindPort?: number;
  deps: ApiDeps;
  /** read on start and on every refreshServerSvid() */
  serverSvid: () => ServerSvidMaterial;
  /** the X.509 bundle of a trust domain by name: ours and federated ones */
  trustBundles: (trustDomainName: string) => X509Bundle | undefined;
  /** admin_ids: IDs outside our trust domain that may still connect */
  adminIds?: readonly string[];
  resolveRoles: RoleResolver;
  /** `ratelimit {}`; default both on */
  rateLimits?: RateLimitConfig;
  /** default deps.logger */
  logger?: ApiLogger;
  /** certificate validity, rate limits and connection age run on it */
  clock: Clock;
  readMaxBytes?: number;
  /** default 3 minutes */
  maxConnectionAgeMs?: number;
  /** how long close() lets in-flight calls finish before cutting connections; default 5000 ms */
  closeGraceMs?: number;
  api?: Omit<ServerApiOptions, 'localOnlyServices'>;
}

export interface TcpEndpoint {
  /** the bound port (the ephemeral one when bindPort was 0) */
  readonly port: number;
  readonly address: string;
  /** New handshakes present the SVID serverSvid() gives now; open connections keep theirs. */
  refreshServerSvid(): void;
  /** Stops accepting, sends GOAWAY, lets in-flight calls finish (up to the grace period). */
  close(): Promise<void>;
}

// Session tickets off (as SPIRE): every connection makes a full handshake with its certificate.
const BASE_TLS = { minVersion: 'TLSv1.2', secureOptions: cryptoConstants.SSL_OP_NO_TICKET } as const;

/**
 * @example
 * const endpoint = await startTcpEndpoint({ bindPort: 8081, deps, serverSvid, trustBundles, resolveRoles, clock });
 * caManager.onServerSvidRotated(() => endpoint.refreshServerSvid());
 */
export async function startTcpEndpoint(options: TcpEndpointOptions): Promise<TcpEndpoint> {
  const logger = options.logger ?? options.deps.logger;
  const { clock } = options;
  const callers = new WeakMap<http2.Http2Session, CallerContext>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const verifyPeer = createPeerVerifier({
    trustDomain: options.deps.trustDomain, adminIds: options.adminIds ?? [], trustBundles: options.trustBundles, clock,
  });

  const handler = grpcRequestHandler({
    routes: (router) => registerServerApi(router, options.deps, { ...options.api, localOnlyServices: false }),
    interceptors: [
      errorInterceptor(logger),
      authorizationInterceptor(options.resolveRoles),
      rateLimitInterceptor({ limits: options.rateLimits ?? { attestation: true, signing: true }, clock }),
    ],
    readMaxBytes: options.readMaxBytes ?? TCP_READ_MAX_BYTES,
    // Responses are never compressed (as SPIRE's grpc-go server): SVIDs and bundles are DER and
    // barely shrink, and gzip cost both ends CPU on the signing hot path. Compressed requests
    // are still accepted.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    grpc: true,
    grpcWeb: false,
    connect: false,
    contextValues: (req) => {
      // Every session is recorded before it can carry a request; the fallback is an anonymous caller.
      const session = 'stream' in req ? req.stream.session : undefined;
      const caller = (session !== undefined ? callers.get(session) : undefined) ?? { kind: 'tls', remoteAddress: normalizeAddress(req.socket.remoteAddress) };
      return createContextValues().set(callerKey, caller);
    },
    fallback: unknownGrpcMethod,
  }, (err) => logger.error('Request handling failed', { error: err instanceof Error ? err.message : String(err) }));

  const server = http2.createSecureServer({
    ...BASE_TLS,
    ...tlsCredentials(options.serverSvid()),
    requestCert: true,
    rejectUnauthorized: false, // verified below against the bundle of the client's trust domain
    ALPNProtocols: ['h2'],
    allowHTTP1: false,
  }, stopUnreadRequests(handler));

  // 'session' is emitted synchronously once the TLS handshake is done, before any frame is read,
  // so a refused client never gets a request served.
  server.on('session', (session) => {
    const socket = session.socket as TLSSocket;
    const remoteAddress = normalizeAddress(socket.remoteAddress);
    const chain = peerCertificateChain(socket);
    let caller: CallerContext = { kind: 'tls', remoteAddress };
    if (chain.length > 0) {
      const verified = verifyPeer(chain);
      if (!verified.ok) {
        logger.debug('Refused a TLS client: its certificate did not verify', { remote_address: remoteAddress, reason: verified.reason });
        session.destroy();
        return;
      }
      caller = { kind: 'tls', remoteAddress, peer: verified.peer };
    }
    callers.set(session, caller);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    limitConnectionAge(session, clock, options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS);
  });
  server.on('unknownProtocol', (socket) => {
    logger.debug('Refused a TLS client: it does not speak h2', { remote_address: normalizeAddress(socket.remoteAddress) });
    socket.destroy();
  });
  server.on('tlsClientError', (err, socket) => logger.debug('TLS handshake failed', { remote_address: normalizeAddress(socket.remoteAddress), error: err.message }));
  server.on('sessionError', (err) => logger.debug('TCP endpoint session error', { error: err.message }));

  await listen(server, options.bindPort ?? DEFAULT_BIND_PORT, options.bindAddress ?? DEFAULT_BIND_ADDRESS);
  server.on('error', (err) => logger.error('TCP endpoint server error', { error: err.message }));
  const bound = server.address() as AddressInfo;
  logger.info('Starting Server APIs', { address: `${bound.address}:${bound.port}`, network: 'tcp' });

  let closing: Promise<void> | undefined;
  return {
    port: bound.port,
    address: bound.address,
    refreshServerSvid() {
      const svid = options.serverSvid();
      server.setSecureContext({ ...BASE_TLS, ...tlsCredentials(svid) });
      logger.debug('TCP endpoint presents a new server SVID', { serial: svid.serial });
    },
    close() {
      closing ??= closeServer(server, sessions, clock, options.closeGraceMs ?? 5000);
      return closing;
    },
  };
}

/**
 * When the answer is complete but the client is still sending (an oversized message refused
 * after its first bytes), reset the stream with NO_ERROR as grpc-go servers do. Node closes such
 * a half-open stream only when nothing was read, so otherwise the stream, its session and
 * close() would wait forever for a body the client cannot finish (no flow-control window).
 */
function stopUnreadRequests(handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void) {
  return (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void => {
    // The compat layer sends the trailers in its own (earlier) 'wantTrailers' listener; the
    // reset must leave nghttp2's callback first, or the trailers frame is dropped.
    req.stream.once('wantTrailers', () => setImmediate(() => resetIfUnread(req)));
    handler(req, res);
  };
}

function resetIfUnread(req: http2.Http2ServerRequest): void {
  const stream = req.stream;
  if (req.complete || stream.closed || stream.destroyed) return;
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
  // Node would wait for the unread body to be consumed (never: the compat request is gone);
  // the reset is queued after the trailers, so drop the stream now.
  stream.destroy();
}

function tlsCredentials(svid: ServerSvidMaterial): { cert: string; key: string } {
  if (svid.certChainDer.length === 0) throw new Error('the server SVID has an empty certificate chain');
  return {
    cert: svid.certChainDer.map((der) => encodePem('CERTIFICATE', der)).join(''),
    key: svid.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/**
 * The chain the client sent, leaf first, as DER. Node links the certificates it received by
 * issuer; those that link to nothing are left out (they could not be part of a valid path).
 */
export function peerCertificateChain(socket: Pick<TLSSocket, 'getPeerCertificate'>): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<object>();
  let cert: { raw?: Buffer; issuerCertificate?: unknown } | undefined = socket.getPeerCertificate(true);
  while (cert?.raw !== undefined && !seen.has(cert)) {
    seen.add(cert);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate as typeof cert;
  }
  return chain;
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one source IP (one rate-limit bucket). */
function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

function listen(server: http2.Http2SecureServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: http2.Http2SecureServer, sessions: Set<http2.ServerHttp2Session>, clock: Clock, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Graceful: GOAWAY, in-flight streams finish; a session still open after the grace period is cut.
  for (const session of sessions) session.close();
  const cancelForce = clock.after(graceMs, () => { for (const session of sessions) session.destroy(); });
  await closed;
  cancelForce();
}
