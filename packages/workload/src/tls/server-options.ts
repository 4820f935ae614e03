/**
 * Server options for node:tls, node:https and node:http2 (go-spiffe's tlsconfig.TLSServerConfig
 * and MTLSServerConfig), plus `attach(server)`, which a server needs for two reasons node gives
 * no option for:
 *
 * - Peer verification before the application sees the connection. node has no server-side
 *   verify callback; its own `rejectUnauthorized` destroys the socket after the handshake, just
 *   before emitting 'secureConnection'. We verify at that same point by gating the server's
 *   emit of 'secureConnection' (see verifyClients): a refused peer is destroyed before any
 *   listener gets it. A 'secureConnection' listener would be too late (https/http2 registered
 *   theirs first and would still get the destroyed socket); destroying in the TLSSocket's own
 *   'secure' event crashes node's handler that runs next (it reads the freed handle).
 * - Rotation for every client. SNICallback only runs when the client sends SNI (clients that dial
 *   an IP do not), so instead a 'connection' listener put in front of node's swaps the server's
 *   secure context (server.setSecureContext) when the source's SVID changed; the new TLSSocket is
 *   then built from the current SVID.
 *
 * Fail closed: the options carry no certificate until attached (every handshake fails, and a
 * client sending SNI gets an error that says to call attach), so a forgotten attach never
 * accepts unverified peers.
 */
import type { SecureContextOptions, SecureVersion, Server as TlsServer, TLSSocket, TlsOptions } from 'node:tls';
import { type Authorizer, type X509BundleSource, type X509Svid, type X509SvidSource } from '@tspire/spiffe';
import { systemClock, type Clock } from '@tspire/common';
import { WorkloadError } from '../errors.js';
import { rememberPeer, verifyClientSocket } from './peer.js';
import { currentSvid, requireMethod, sameCertificates, svidCredentials, type X509SvidAndBundleSource } from './sources.js';

export interface SpiffeTlsOptions {
  /** The time peers' certificates are checked at; default the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Lowest TLS version; default TLSv1.2 (as go-spiffe). */
  readonly minVersion?: SecureVersion;
  /** Told about refused peers and SVID reads that failed (the old SVID stays in use then). */
  readonly onError?: (err: Error) => void;
}

/** Options for tls.createServer, https.createServer or http2.createSecureServer. */
export interface SpiffeServerOptions extends TlsOptions {
  /**
   * Binds the options to a server made from them: installs the current SVID, keeps it current
   * for new connections and (mTLS) verifies every client. Returns the server.
   * @example const server = options.attach(https.createServer(options, app));
   */
  attach<S extends TlsServer>(server: S): S;
}

interface ServerPlan {
  readonly svidSource: X509SvidSource;
  readonly peer?: { readonly bundleSource: X509BundleSource; readonly authorizer: Authorizer };
  readonly settings: SpiffeTlsOptions;
}

/**
 * TLS server options presenting the source's current SVID; clients are not authenticated.
 * @example
 * const options = tlsServerOptions(source);
 * const server = options.attach(https.createServer(options, app));
 */
export function tlsServerOptions(svidSource: X509SvidSource, settings: SpiffeTlsOptions = {}): SpiffeServerOptions {
  requireMethod(svidSource, 'getX509Svid', 'the SVID source');
  return serverOptions({ svidSource, settings });
}

/**
 * mTLS server options: present the current SVID, require a client X509-SVID, verify it against
 * the bundle of its trust domain and pass its ID to `authorizer`. An X509Source is both sources.
 * @example
 * const options = mtlsServerOptions(source, authorizeId('spiffe://example.org/client'));
 * const server = options.attach(https.createServer(options, (req, res) => res.end(`${peerSpiffeId(req.socket)}`)));
 * @example mtlsServerOptions(svidSource, bundleSet, authorizeMemberOf('example.org'))
 */
export function mtlsServerOptions(source: X509SvidAndBundleSource, authorizer: Authorizer, settings?: SpiffeTlsOptions): SpiffeServerOptions;
export function mtlsServerOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  settings?: SpiffeTlsOptions,
): SpiffeServerOptions;
export function mtlsServerOptions(
  svidSource: X509SvidSource,
  second: X509BundleSource | Authorizer,
  third?: Authorizer | SpiffeTlsOptions,
  fourth?: SpiffeTlsOptions,
): SpiffeServerOptions {
  const [bundleSource, authorizer, settings] = splitArguments(svidSource, second, third, fourth);
  requireMethod(svidSource, 'getX509Svid', 'the SVID source');
  requireMethod(bundleSource, 'getX509BundleForTrustDomain', 'the bundle source');
  if (typeof authorizer !== 'function') throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'an authorizer function is required (e.g. authorizeId(...))');
  return serverOptions({ svidSource, peer: { bundleSource, authorizer }, settings });
}

/** Sorts the (source, authorizer, settings?) and (svid, bundle, authorizer, settings?) forms. */
export function splitArguments(
  svidSource: X509SvidSource,
  second: X509BundleSource | Authorizer,
  third: Authorizer | SpiffeTlsOptions | undefined,
  fourth: SpiffeTlsOptions | undefined,
): [X509BundleSource, Authorizer, SpiffeTlsOptions] {
  if (typeof second === 'function') return [svidSource as unknown as X509BundleSource, second, (third as SpiffeTlsOptions | undefined) ?? {}];
  return [second, third as Authorizer, fourth ?? {}];
}

function serverOptions(plan: ServerPlan): SpiffeServerOptions {
  const attached = new WeakSet<TlsServer>();
  let attachedCount = 0;
  const options: SpiffeServerOptions = {
    minVersion: plan.settings.minVersion ?? 'TLSv1.2',
    requestCert: plan.peer !== undefined,
    // node's CA check stays off: peers are verified against SPIFFE bundles in attach().
    rejectUnauthorized: false,
    // Only here to name the mistake for clients that send SNI; attach() keeps the default context current.
    SNICallback(_servername, callback) {
      if (attachedCount > 0) callback(null, undefined);
      else callback(new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'SPIFFE TLS server options were not attached: call options.attach(server)'));
    },
    attach<S extends TlsServer>(server: S): S {
      if (attached.has(server)) return server;
      attachServer(server, plan, options);
      attached.add(server);
      attachedCount += 1;
      return server;
    },
  };
  return options;
}

function attachServer(server: TlsServer, plan: ServerPlan, options: SpiffeServerOptions): void {
  let installed: X509Svid | undefined;
  const install = (): void => {
    const svid = currentSvid(plan.svidSource);
    if (installed !== undefined && (svid === installed || sameCertificates(svid.certificates, installed.certificates))) return;
    server.setSecureContext(contextOptions(options, svid));
    installed = svid;
  };
  install(); // throws at attach time when there is no SVID yet
  server.prependListener('connection', () => {
    try {
      install();
    } catch (err) {
      plan.settings.onError?.(asError(err));
    }
  });
  if (plan.peer !== undefined) verifyClients(server, plan.peer, plan.settings);
}

function contextOptions(options: SpiffeServerOptions, svid: X509Svid): SecureContextOptions {
  const { attach: _attach, SNICallback: _sni, requestCert: _req, rejectUnauthorized: _rej, ...rest } = options;
  return { ...rest, ...svidCredentials(svid) };
}

/**
 * Gates the server's 'secureConnection' event: node emits it from the TLSSocket's 'secure'
 * handler once the handshake is done and the socket not yet handed to anyone (tls, https and
 * http2 all receive sockets through it). A refused peer is destroyed there and reported as
 * 'tlsClientError', so no listener ever sees it.
 */
function verifyClients(server: TlsServer, peer: NonNullable<ServerPlan['peer']>, settings: SpiffeTlsOptions): void {
  const clock = settings.clock ?? systemClock;
  const emit = server.emit as (this: TlsServer, event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = function gatedEmit(this: TlsServer, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'secureConnection') return emit.call(this, event, ...args);
    const socket = args[0] as TLSSocket;
    try {
      rememberPeer(socket, verifyClientSocket(socket, peer.bundleSource, peer.authorizer, clock.now()));
    } catch (err) {
      socket.destroy();
      settings.onError?.(asError(err));
      emit.call(this, 'tlsClientError', asError(err), socket);
      return false;
    }
    return emit.call(this, event, ...args);
  } as TlsServer['emit'];
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
