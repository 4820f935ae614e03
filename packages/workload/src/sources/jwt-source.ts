/**
 * JwtSource (go-spiffe's workloadapi.JWTSource): JWT-SVIDs for an audience, cached until less
 * than half their lifetime remains, and the JWT bundles of every trust domain, kept current by a
 * FetchJWTBundles watch. A JwtSvidSource and a JwtBundleSource, so validation helpers take it.
 */
import type { JwtBundle, JwtBundleSet, JwtBundleSource, JwtSvid, JwtSvidSource, TrustDomain } from '@tspire/spiffe';
import type { CallOptions, JwtSvidParams } from '../client/types.js';
import { WorkloadError } from '../errors.js';
import { JwtSvidCache } from './jwt-svid-cache.js';
import { Listeners, SourceRuntime, type SourceOptions, type Unsubscribe } from './source-runtime.js';

/**
 * JwtSource options: those of every source.
 * @example await JwtSource.create({ client, timeoutMs: 5000 });
 */
export type JwtSourceOptions = SourceOptions;

/**
 * @example
 * const source = await JwtSource.create();
 * const svid = await source.fetchJwtSvid({ audience: 'spiffe://example.org/api' });
 * await fetch(url, { headers: { authorization: `Bearer ${svid.token}` } });
 * const caller = await JwtSvid.parseAndValidate(token, source, ['spiffe://example.org/api']);
 * await source.close();
 */
export class JwtSource implements JwtSvidSource, JwtBundleSource {
  readonly #runtime: SourceRuntime;
  readonly #cache: JwtSvidCache;
  readonly #updates: Listeners<JwtBundleSet>;
  #bundles: JwtBundleSet | undefined;

  private constructor(runtime: SourceRuntime) {
    this.#runtime = runtime;
    this.#cache = new JwtSvidCache(runtime.clock);
    this.#updates = new Listeners(runtime.logger);
  }

  /**
   * Starts watching JWT bundles and resolves once the first set arrives.
   * @throws WorkloadError ERR_WORKLOAD_SOURCE_TIMEOUT when none arrives within timeoutMs.
   * @example const source = await JwtSource.create({ clientOptions: { address: 'unix:///run/spire/api.sock' }, timeoutMs: 10_000 });
   */
  static async create(options: JwtSourceOptions = {}): Promise<JwtSource> {
    const source = new JwtSource(new SourceRuntime('JwtSource', options));
    source.#runtime.watch<JwtBundleSet>(
      (watcher, call) => source.#runtime.client.watchJwtBundles(watcher, call),
      (bundles) => {
        source.#bundles = bundles;
        source.#updates.emit(bundles);
      },
    );
    await source.#runtime.ready(options.timeoutMs);
    return source;
  }

  /**
   * A JWT-SVID for the audience(s), from the cache while more than half its lifetime is left.
   * With `spiffeId`, that identity's SVID; otherwise the default (first) one.
   * @throws WorkloadError ERR_WORKLOAD_BAD_REQUEST (no audience), ERR_WORKLOAD_API_* from the agent, ERR_WORKLOAD_CLOSED.
   * @example const { token } = await source.fetchJwtSvid({ audience: 'spiffe://example.org/db', extraAudiences: ['https://db.internal'] });
   */
  async fetchJwtSvid(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid> {
    this.#runtime.checkOpen('fetchJwtSvid');
    const audience = [params?.audience, ...(params?.extraAudiences ?? [])];
    if (typeof params?.audience !== 'string' || params.audience === '') {
      throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'JwtSource.fetchJwtSvid: an audience is required');
    }
    const spiffeId = params.spiffeId === undefined ? '' : String(params.spiffeId);
    return this.#cache.get(JwtSvidCache.key(audience as string[], spiffeId), () => this.#runtime.client.fetchJwtSvid(params, options));
  }

  /**
   * Every JWT-SVID the caller holds for the audience(s), fetched now (not cached).
   * @example (await source.fetchJwtSvids({ audience: 'api' })).map((svid) => svid.id.toString())
   */
  fetchJwtSvids(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid[]> {
    this.#runtime.checkOpen('fetchJwtSvids');
    return this.#runtime.client.fetchJwtSvids(params, options);
  }

  /**
   * The JWT bundle of `trustDomain`.
   * @throws SpiffeError ERR_BUNDLE_NOT_FOUND when there is none; WorkloadError ERR_WORKLOAD_CLOSED after close().
   * @example source.getJwtBundleForTrustDomain(svid.id.trustDomain).findJwtAuthority(kid)
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.getJwtBundleSet().getJwtBundleForTrustDomain(trustDomain);
  }

  /**
   * Every JWT bundle, as a set.
   * @example source.getJwtBundleSet().size
   */
  getJwtBundleSet(): JwtBundleSet {
    this.#runtime.checkOpen('getJwtBundleSet');
    return this.#bundles!;
  }

  /**
   * Calls `listener` after each JWT bundle update.
   * @example const stop = source.onUpdate((bundles) => console.log(bundles.size)); stop();
   */
  onUpdate(listener: (bundles: JwtBundleSet) => void): Unsubscribe {
    return this.#updates.add(listener);
  }

  /**
   * Calls `listener` with each failed watch attempt (the last good bundles stay).
   * @example source.onError((err) => logger.warn('Workload API', { error: err.message }))
   */
  onError(listener: (err: Error) => void): Unsubscribe {
    return this.#runtime.errors.add(listener);
  }

  /**
   * Stops watching (and closes the client it created) and drops cached SVIDs.
   * @example await source.close();
   */
  async close(): Promise<void> {
    await this.#runtime.close();
    this.#cache.clear();
  }
}

