/**
 * BundleSource (go-spiffe's workloadapi.BundleSource): the X.509 and JWT bundles of every trust
 * domain the caller may trust, kept current by FetchX509Bundles and FetchJWTBundles watches.
 * For a process that verifies peers but holds no SVID of its own to present.
 */
import type { JwtBundle, JwtBundleSet, JwtBundleSource, TrustDomain, X509Bundle, X509BundleSet, X509BundleSource } from '@tspire/spiffe';
import { Listeners, SourceRuntime, type SourceOptions, type Unsubscribe } from './source-runtime.js';

/**
 * BundleSource options: those of every source.
 * @example await BundleSource.create({ clientOptions: { address: 'unix:///run/spire/api.sock' } });
 */
export type BundleSourceOptions = SourceOptions;

/**
 * Both bundle sets, as BundleSource updates carry them.
 * @example bundles.onUpdate(({ x509, jwt }) => console.log(x509.size, jwt.size));
 */
export interface BundleSets {
  readonly x509: X509BundleSet;
  readonly jwt: JwtBundleSet;
}

/**
 * @example
 * const bundles = await BundleSource.create();
 * const verified = verifyX509Svid(peerChain, bundles);
 * const caller = await JwtSvid.parseAndValidate(token, bundles, ['spiffe://example.org/api']);
 * await bundles.close();
 */
export class BundleSource implements X509BundleSource, JwtBundleSource {
  readonly #runtime: SourceRuntime;
  readonly #updates: Listeners<BundleSets>;
  #x509: X509BundleSet | undefined;
  #jwt: JwtBundleSet | undefined;

  private constructor(runtime: SourceRuntime) {
    this.#runtime = runtime;
    this.#updates = new Listeners(runtime.logger);
  }

  /**
   * Starts both watches and resolves once each has delivered its first set.
   * @throws WorkloadError ERR_WORKLOAD_SOURCE_TIMEOUT when either is missing after timeoutMs.
   * @example const bundles = await BundleSource.create({ clientOptions: { address: 'tcp://127.0.0.1:8000' } });
   */
  static async create(options: BundleSourceOptions = {}): Promise<BundleSource> {
    const source = new BundleSource(new SourceRuntime('BundleSource', options));
    const runtime = source.#runtime;
    runtime.watch<X509BundleSet>((watcher, call) => runtime.client.watchX509Bundles(watcher, call), (x509) => {
      source.#x509 = x509;
      source.#emit();
    });
    runtime.watch<JwtBundleSet>((watcher, call) => runtime.client.watchJwtBundles(watcher, call), (jwt) => {
      source.#jwt = jwt;
      source.#emit();
    });
    await runtime.ready(options.timeoutMs);
    return source;
  }

  /**
   * @throws SpiffeError ERR_BUNDLE_NOT_FOUND when there is none; WorkloadError ERR_WORKLOAD_CLOSED after close().
   * @example bundles.getX509BundleForTrustDomain(peerId.trustDomain)
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.getBundleSets().x509.getX509BundleForTrustDomain(trustDomain);
  }

  /**
   * @throws SpiffeError ERR_BUNDLE_NOT_FOUND when there is none; WorkloadError ERR_WORKLOAD_CLOSED after close().
   * @example bundles.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.getBundleSets().jwt.getJwtBundleForTrustDomain(trustDomain);
  }

  /**
   * Both current sets.
   * @example bundles.getBundleSets().x509.bundles().length
   */
  getBundleSets(): BundleSets {
    this.#runtime.checkOpen('getBundleSets');
    return { x509: this.#x509!, jwt: this.#jwt! };
  }

  /**
   * Calls `listener` after each update of either set (once both have arrived).
   * @example const stop = bundles.onUpdate(({ x509 }) => console.log(x509.size)); stop();
   */
  onUpdate(listener: (sets: BundleSets) => void): Unsubscribe {
    return this.#updates.add(listener);
  }

  /**
   * Calls `listener` with each failed watch attempt (the last good sets stay).
   * @example bundles.onError((err) => console.warn(err.message))
   */
  onError(listener: (err: Error) => void): Unsubscribe {
    return this.#runtime.errors.add(listener);
  }

  /**
   * Stops both watches (and closes the client it created).
   * @example await bundles.close();
   */
  close(): Promise<void> {
    return this.#runtime.close();
  }

  #emit(): void {
    if (this.#x509 !== undefined && this.#jwt !== undefined) this.#updates.emit({ x509: this.#x509, jwt: this.#jwt });
  }
}
