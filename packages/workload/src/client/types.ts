/**
 * The contract of the Workload API client, shared by the sources, the TLS helpers and
 * spiffe-helper. Shapes follow go-spiffe's workloadapi (X509Context, watchers), in TypeScript.
 */
import type { JwtBundleSet, JwtSvid, SpiffeId, X509BundleSet, X509Svid } from '@tspire/spiffe';

/**
 * What one FetchX509SVID message carries, parsed and checked.
 * @example
 * const { svids, bundles } = await client.fetchX509Context();
 * bundles.getX509BundleForTrustDomain(svids[0]!.id.trustDomain);
 */
export interface X509Context {
  /** Every SVID the caller may hold; the first is the default. Never empty. */
  readonly svids: readonly X509Svid[];
  /** The caller's trust domain bundle and every federated bundle. */
  readonly bundles: X509BundleSet;
}

/**
 * Per-call options: cancel with an AbortSignal, or give up after `timeoutMs` (single calls; a
 * watch runs until its signal aborts or the client closes).
 * @example await client.fetchX509Svid({ signal: AbortSignal.timeout(5000) });
 */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/**
 * Receives every update of a watched stream; errors are reported, then the client reconnects.
 * @example
 * await client.watchX509Context({ onUpdate: (ctx) => reload(ctx), onError: (err) => log.warn(err.message) }, { signal });
 */
export interface Watcher<T> {
  onUpdate(value: T): void;
  /** Called for each failed attempt (the watch keeps retrying with backoff until aborted or closed). */
  onError?(err: Error): void;
}

/**
 * What to ask FetchJWTSVID for.
 * @example await client.fetchJwtSvid({ audience: 'spiffe://example.org/api', spiffeId: 'spiffe://example.org/web' });
 */
export interface JwtSvidParams {
  /** Required: the first audience. */
  readonly audience: string;
  readonly extraAudiences?: readonly string[];
  /** Ask for this identity only (default: all the caller holds; the first is returned by fetchJwtSvid). */
  readonly spiffeId?: SpiffeId | string;
}

/**
 * A Workload API client; make one with createWorkloadApiClient. Calls reject with WorkloadError.
 * @example
 * const client = createWorkloadApiClient();
 * const svid = await client.fetchJwtSvid({ audience: 'spiffe://example.org/api' });
 * client.close();
 */
export interface WorkloadApiClient {
  fetchX509Context(options?: CallOptions): Promise<X509Context>;
  /** The default SVID (first of the context). */
  fetchX509Svid(options?: CallOptions): Promise<X509Svid>;
  fetchX509Svids(options?: CallOptions): Promise<X509Svid[]>;
  /** Streams contexts until `options.signal` aborts or the client closes; resolves then. */
  watchX509Context(watcher: Watcher<X509Context>, options?: CallOptions): Promise<void>;
  fetchX509Bundles(options?: CallOptions): Promise<X509BundleSet>;
  watchX509Bundles(watcher: Watcher<X509BundleSet>, options?: CallOptions): Promise<void>;
  fetchJwtSvid(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid>;
  fetchJwtSvids(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid[]>;
  fetchJwtBundles(options?: CallOptions): Promise<JwtBundleSet>;
  watchJwtBundles(watcher: Watcher<JwtBundleSet>, options?: CallOptions): Promise<void>;
  /** Asks the agent to validate `token` for `audience`; resolves with the parsed SVID. */
  validateJwtSvid(token: string, audience: string, options?: CallOptions): Promise<JwtSvid>;
  /** Ends every stream and the connection; later calls reject. */
  close(): void;
}
