/**
 * Client options for tls.connect, https.request/Agent and http2.connect (go-spiffe's
 * tlsconfig.TLSClientConfig and MTLSClientConfig).
 *
 * node runs its chain check and then `checkServerIdentity` after the handshake and destroys the
 * socket before 'secureConnect' when either fails, but only with `rejectUnauthorized: true`, and
 * it skips checkServerIdentity when its own check failed or a session was resumed. So:
 * - `rejectUnauthorized: true` with `ca` = every trust anchor of the bundle source (node's check
 *   is only a pre-filter; it can refuse, never accept on its own);
 * - `checkServerIdentity` runs the SPIFFE verification (the bundle of the server's trust domain
 *   only) and the authorizer, and returns the error that aborts the connection; the host name
 *   plays no part, as in go-spiffe;
 * - `session: undefined` so an https.Agent never resumes a cached session (which would skip
 *   checkServerIdentity); every new connection is verified in full.
 * `secureContext` is a getter: each connection built from these options (node and https copy
 * options per request) gets the current SVID and bundles, rebuilt only when they changed.
 */
import { createSecureContext, type ConnectionOptions, type PeerCertificate, type SecureContext } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { type Authorizer, type X509BundleSource, type X509Svid, type X509SvidSource } from '@tspire/spiffe';
import { systemClock } from '@tspire/common';
import { WorkloadError } from '../errors.js';
import { peerChainDer, verifyPeer } from './peer.js';
import { splitArguments, type SpiffeTlsOptions } from './server-options.js';
import { currentSvid, listTrustAnchors, requireMethod, sameCertificates, svidCredentials, type X509SvidAndBundleSource } from './sources.js';

/** Options for tls.connect, https.request and http2.connect (spread them into your own). */
export interface SpiffeClientOptions extends ConnectionOptions {
  readonly rejectUnauthorized: true;
  readonly checkServerIdentity: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** The current SVID (mTLS) and trust anchors, read on each access. */
  readonly secureContext: SecureContext;
}

/**
 * TLS client options: verify the server's X509-SVID against the bundle of its trust domain and
 * pass its ID to `authorizer`; the client presents no certificate.
 * @example
 * const options = tlsClientOptions(source, authorizeId('spiffe://example.org/server'));
 * https.get('https://10.0.0.7:8443/', { ...options }, (res) => res.pipe(process.stdout));
 */
export function tlsClientOptions(bundleSource: X509BundleSource, authorizer: Authorizer, settings: SpiffeTlsOptions = {}): SpiffeClientOptions {
  requireMethod(bundleSource, 'getX509BundleForTrustDomain', 'the bundle source');
  return clientOptions(undefined, bundleSource, authorizer, settings);
}

/**
 * mTLS client options: as tlsClientOptions, and present the source's current X509-SVID.
 * @example
 * const session = http2.connect('https://127.0.0.1:8443', mtlsClientOptions(source, authorizeId(serverId)));
 * @example tls.connect({ host, port, ...mtlsClientOptions(svidSource, bundleSet, authorizeMemberOf('example.org')) })
 */
export function mtlsClientOptions(source: X509SvidAndBundleSource, authorizer: Authorizer, settings?: SpiffeTlsOptions): SpiffeClientOptions;
export function mtlsClientOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  settings?: SpiffeTlsOptions,
): SpiffeClientOptions;
export function mtlsClientOptions(
  svidSource: X509SvidSource,
  second: X509BundleSource | Authorizer,
  third?: Authorizer | SpiffeTlsOptions,
  fourth?: SpiffeTlsOptions,
): SpiffeClientOptions {
  const [bundleSource, authorizer, settings] = splitArguments(svidSource, second, third, fourth);
  requireMethod(svidSource, 'getX509Svid', 'the SVID source');
  requireMethod(bundleSource, 'getX509BundleForTrustDomain', 'the bundle source');
  return clientOptions(svidSource, bundleSource, authorizer, settings);
}

function clientOptions(
  svidSource: X509SvidSource | undefined,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  settings: SpiffeTlsOptions,
): SpiffeClientOptions {
  if (typeof authorizer !== 'function') throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'an authorizer function is required (e.g. authorizeId(...))');
  const clock = settings.clock ?? systemClock;
  const minVersion = settings.minVersion ?? 'TLSv1.2';
  const contexts = contextCache(svidSource, bundleSource, minVersion);
  contexts.current(); // fail now, not at the first connection, when the sources cannot serve
  return {
    rejectUnauthorized: true,
    session: undefined,
    minVersion,
    checkServerIdentity(_hostname: string, cert: PeerCertificate): Error | undefined {
      try {
        verifyPeer(peerChainDer(cert), bundleSource, authorizer, clock.now());
        return undefined;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        settings.onError?.(error);
        return error;
      }
    },
    get secureContext(): SecureContext {
      return contexts.current();
    },
  };
}

/** One SecureContext per (SVID, trust anchors) pair, rebuilt when either changes. */
function contextCache(svidSource: X509SvidSource | undefined, bundleSource: X509BundleSource, minVersion: SpiffeTlsOptions['minVersion']) {
  let cached: { svid: X509Svid | undefined; anchors: X509Certificate[]; context: SecureContext } | undefined;
  return {
    current(): SecureContext {
      const svid = svidSource === undefined ? undefined : currentSvid(svidSource);
      const anchors = listTrustAnchors(bundleSource);
      if (anchors.length === 0) throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'the bundle source holds no X.509 authorities to verify servers with');
      if (cached !== undefined && sameSvid(cached.svid, svid) && sameCertificates(cached.anchors, anchors)) return cached.context;
      const context = createSecureContext({
        minVersion: minVersion ?? 'TLSv1.2',
        ca: anchors.map((cert) => cert.toString()),
        ...(svid === undefined ? {} : svidCredentials(svid)),
      });
      cached = { svid, anchors, context };
      return context;
    },
  };
}

function sameSvid(a: X509Svid | undefined, b: X509Svid | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a === b || sameCertificates(a.certificates, b.certificates);
}
