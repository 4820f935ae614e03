/**
 * A WorkloadIdentitySource held in memory: entries, their SVIDs and the bundles, set by hand.
 * For tests and benchmarks of the Workload API endpoint (the agent's real cache is fed by sync
 * and rotation). Every change notifies every subscriber; the endpoint drops what did not change.
 */
import type { SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '@tspire/spiffe';
import type { Selector, WorkloadIdentity, WorkloadIdentitySource, WorkloadUpdate } from './identity-source.js';

/** A registration entry as the in-memory source keeps it. */
export interface InMemoryEntry {
  readonly entryId: string;
  readonly spiffeId: SpiffeId;
  /** The entry applies to workloads having all of these (an entry without selectors matches nobody). */
  readonly selectors: readonly Selector[];
  readonly hint?: string;
  readonly federatesWith?: readonly TrustDomain[];
  readonly svid?: X509Svid;
}

/** Signs a JWT-SVID for an identity (tests pass one that signs with a fixture key). */
export type JwtSvidMinter = (identity: WorkloadIdentity, audience: readonly string[]) => Promise<string>;

export interface InMemoryIdentitySourceOptions {
  readonly bundle: SpiffeBundle;
  readonly federatedBundles?: Iterable<SpiffeBundle>;
  /** Default: every JWT-SVID request fails (no signer). */
  readonly mintJwtSvid?: JwtSvidMinter;
}

/**
 * @example
 * const source = new InMemoryIdentitySource({ bundle });
 * source.setEntry({ entryId: 'e1', spiffeId, selectors: [{ type: 'unix', value: 'uid:1000' }], svid });
 * await startWorkloadApi({ identities: source, ... });
 */
export class InMemoryIdentitySource implements WorkloadIdentitySource {
  readonly #entries = new Map<string, InMemoryEntry>();
  readonly #federatedBundles = new Map<string, SpiffeBundle>();
  readonly #subscribers = new Set<() => void>();
  readonly #countWaiters = new Set<{ count: number; resolve: () => void }>();
  readonly #mintJwtSvid: JwtSvidMinter;
  #bundle: SpiffeBundle;

  constructor(options: InMemoryIdentitySourceOptions) {
    this.#bundle = options.bundle;
    for (const bundle of options.federatedBundles ?? []) this.#federatedBundles.set(bundle.trustDomain.name, bundle);
    this.#mintJwtSvid = options.mintJwtSvid ?? (() => Promise.reject(new Error('no JWT-SVID signer configured')));
  }

  /** Adds or replaces an entry (by entry ID). */
  setEntry(entry: InMemoryEntry): void {
    this.#entries.set(entry.entryId, entry);
    this.#changed();
  }

  removeEntry(entryId: string): void {
    if (this.#entries.delete(entryId)) this.#changed();
  }

  /** Replaces the SVID of an entry (rotation), or clears it (`undefined`: being re-issued). */
  setSvid(entryId: string, svid: X509Svid | undefined): void {
    const entry = this.#entries.get(entryId);
    if (entry === undefined) throw new Error(`no entry ${JSON.stringify(entryId)}`);
    const { svid: _old, ...rest } = entry;
    this.setEntry(svid === undefined ? rest : { ...rest, svid });
  }

  setBundle(bundle: SpiffeBundle): void {
    this.#bundle = bundle;
    this.#changed();
  }

  /** Adds or replaces the bundle of a foreign trust domain. */
  setFederatedBundle(bundle: SpiffeBundle): void {
    this.#federatedBundles.set(bundle.trustDomain.name, bundle);
    this.#changed();
  }

  removeFederatedBundle(trustDomain: TrustDomain): void {
    if (this.#federatedBundles.delete(trustDomain.name)) this.#changed();
  }

  matchingIdentities(selectors: readonly Selector[]): WorkloadUpdate {
    const held = new Set(selectors.map(selectorKey));
    const identities: WorkloadIdentity[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.selectors.length === 0 || !entry.selectors.every((s) => held.has(selectorKey(s)))) continue;
      identities.push({
        entryId: entry.entryId,
        spiffeId: entry.spiffeId,
        hint: entry.hint ?? '',
        federatesWith: entry.federatesWith ?? [],
        svid: entry.svid,
      });
    }
    return { identities, bundle: this.#bundle, federatedBundles: [...this.#federatedBundles.values()] };
  }

  subscribe(_selectors: readonly Selector[], onChange: () => void): () => void {
    // A fresh function per subscription, so subscribing the same callback twice counts twice.
    const subscriber = (): void => onChange();
    this.#subscribers.add(subscriber);
    this.#countChanged();
    return () => {
      if (this.#subscribers.delete(subscriber)) this.#countChanged();
    };
  }

  fetchJwtSvid(identity: WorkloadIdentity, audience: readonly string[], signal: AbortSignal): Promise<string> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return this.#mintJwtSvid(identity, audience);
  }

  /** How many subscriptions are open (a stream that ended has unsubscribed). */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Resolves once exactly `count` subscriptions are open (lets tests wait for a stream to start or end). */
  whenSubscriberCount(count: number): Promise<void> {
    if (this.#subscribers.size === count) return Promise.resolve();
    return new Promise((resolve) => this.#countWaiters.add({ count, resolve }));
  }

  #changed(): void {
    for (const subscriber of [...this.#subscribers]) subscriber();
  }

  #countChanged(): void {
    for (const waiter of [...this.#countWaiters]) {
      if (waiter.count !== this.#subscribers.size) continue;
      this.#countWaiters.delete(waiter);
      waiter.resolve();
    }
  }
}

/** Unambiguous even when a type or value contains ':'. */
function selectorKey(selector: Selector): string {
  return JSON.stringify([selector.type, selector.value]);
}
