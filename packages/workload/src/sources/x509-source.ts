/**
 * X509Source (go-spiffe's workloadapi.X509Source): the caller's current X509-SVID and every
 * X.509 bundle it may trust (its own trust domain and federated ones), kept current by a
 * FetchX509SVID watch. It is both an X509SvidSource and an X509BundleSource, so TLS options
 * take it where a static SVID or bundle set would do.
 */
import type { TrustDomain, X509Bundle, X509BundleSet, X509BundleSource, X509Svid, X509SvidSource } from '@tspire/spiffe';
import type { X509Context } from '../client/types.js';
import { WorkloadError } from '../errors.js';
import { Listeners, SourceRuntime, type SourceOptions, type Unsubscribe } from './source-runtime.js';

/**
 * Chooses the SVID to serve among those the Workload API sent (default: the first).
 * @example const picker: X509SvidPicker = (svids) => svids.find((svid) => svid.hint === 'internal');
 */
export type X509SvidPicker = (svids: readonly X509Svid[]) => X509Svid | undefined;

/**
 * X509Source options: those of every source, plus the picker.
 * @example await X509Source.create({ picker: (svids) => svids.find((s) => s.id.path === '/api') });
 */
export interface X509SourceOptions extends SourceOptions {
  readonly picker?: X509SvidPicker;
}

/**
 * @example
 * const source = await X509Source.create({ clientOptions: { address: 'unix:///tmp/spire-agent/public/api.sock' } });
 * const svid = source.getX509Svid();                         // rotates under you: call it per use
 * const bundle = source.getX509BundleForTrustDomain(svid.id.trustDomain);
 * const stop = source.onUpdate((context) => console.log('rotated to', context.svids[0]?.expiresAt));
 * await source.close();
 */
export class X509Source implements X509SvidSource, X509BundleSource {
  readonly #runtime: SourceRuntime;
  readonly #picker: X509SvidPicker;
  readonly #updates: Listeners<X509Context>;
  #context: X509Context | undefined;
  #svid: X509Svid | undefined;

  private constructor(runtime: SourceRuntime, picker: X509SvidPicker) {
    this.#runtime = runtime;
    this.#picker = picker;
    this.#updates = new Listeners(runtime.logger);
  }

  /**
   * Starts watching and resolves with the source once the first X.509 context arrives.
   * @throws WorkloadError ERR_WORKLOAD_SOURCE_TIMEOUT (naming the last error) when none arrives
   *   within timeoutMs, or the error that stopped the watch (e.g. ERR_WORKLOAD_API_INVALID_ARGUMENT).
   * @example
   * const source = await X509Source.create({ picker: (svids) => svids.find((s) => s.hint === 'internal') });
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const source = new X509Source(new SourceRuntime('X509Source', options), options.picker ?? ((svids) => svids[0]));
    source.#runtime.watch<X509Context>((watcher, call) => source.#runtime.client.watchX509Context(watcher, call), (context) => source.#apply(context));
    await source.#runtime.ready(options.timeoutMs);
    return source;
  }

  /**
   * The SVID to use now: the default (first) one, or the picker's choice.
   * @throws WorkloadError ERR_WORKLOAD_SVID_NOT_FOUND when the picker accepts none, ERR_WORKLOAD_CLOSED after close().
   * @example tls.createSecureContext({ cert: source.getX509Svid().marshalPem().certificates, ... })
   */
  getX509Svid(): X509Svid {
    this.#runtime.checkOpen('getX509Svid');
    if (this.#svid === undefined) throw new WorkloadError('ERR_WORKLOAD_SVID_NOT_FOUND', 'X509Source: the picker accepts none of the SVIDs the Workload API sent');
    return this.#svid;
  }

  /**
   * The whole current context: every SVID (first is the default) and every bundle.
   * @example source.getX509Context().svids.map((svid) => svid.id.toString())
   */
  getX509Context(): X509Context {
    this.#runtime.checkOpen('getX509Context');
    return this.#context!;
  }

  /**
   * The X.509 bundle of `trustDomain` (own or federated).
   * @throws SpiffeError ERR_BUNDLE_NOT_FOUND when there is none; WorkloadError ERR_WORKLOAD_CLOSED after close().
   * @example source.getX509BundleForTrustDomain(TrustDomain.parse('example.org')).x509Authorities()
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.getX509BundleSet().getX509BundleForTrustDomain(trustDomain);
  }

  /**
   * Every X.509 bundle, as a set.
   * @example source.getX509BundleSet().bundles().map((b) => b.trustDomain.name)
   */
  getX509BundleSet(): X509BundleSet {
    return this.getX509Context().bundles;
  }

  /**
   * Calls `listener` after each update (rotation, bundle change) has been applied.
   * @example const stop = source.onUpdate(() => server.setSecureContext(buildContext(source))); stop();
   */
  onUpdate(listener: (context: X509Context) => void): Unsubscribe {
    return this.#updates.add(listener);
  }

  /**
   * Calls `listener` with each failed watch attempt (the source keeps its last good state and retries).
   * @example source.onError((err) => logger.warn('Workload API', { error: err.message }))
   */
  onError(listener: (err: Error) => void): Unsubscribe {
    return this.#runtime.errors.add(listener);
  }

  /**
   * Stops watching (and closes the client it created); getters throw ERR_WORKLOAD_CLOSED after.
   * @example await source.close();
   */
  close(): Promise<void> {
    return this.#runtime.close();
  }

  #apply(context: X509Context): void {
    this.#context = context;
    this.#svid = this.#picker(context.svids);
    if (this.#svid === undefined) this.#runtime.logger.warn('X509Source picker accepted none of the SVIDs', { count: context.svids.length });
    this.#updates.emit(context);
  }
}
