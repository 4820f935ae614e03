/**
 * The agent's identity cache: the authorized entries, the X509-SVIDs held for them, the bundles
 * and the JWT-SVID cache, served to the Workload API as a WorkloadIdentitySource. The sync loop
 * writes it (`update`), the endpoint reads it; every write notifies every subscriber once.
 */
import type { types } from '@tspire/proto';
import { SpiffeId, TrustDomain, type SpiffeBundle, type X509Svid } from '@tspire/spiffe';
import type { Selector, WorkloadIdentity, WorkloadIdentitySource, WorkloadUpdate } from '../endpoints/workload/identity-source.js';
import { JwtSvidCache, type JwtSvidMinter } from './jwt-svid-cache.js';

/** An authorized entry as the cache keeps it. */
export interface CachedEntry {
  readonly entryId: string;
  readonly spiffeId: SpiffeId;
  readonly selectorKeys: readonly string[];
  readonly hint: string;
  readonly federatesWith: readonly TrustDomain[];
  readonly revision: bigint;
  /** `jwt_svid_include_jti`: every JWT-SVID is fresh (never cached). */
  readonly jwtIncludeJti: boolean;
}

export interface IdentityCacheOptions {
  bundle: SpiffeBundle;
  /** Asks the server for a JWT-SVID (the manager passes its client's newJwtSvid). */
  mintJwtSvid: JwtSvidMinter;
  nowMs: () => number;
  jwtSvidCacheMaxSize?: number;
  /** Called when a new subscriber matches an entry without an SVID (LRU: mint on demand). */
  onMissingSvid?: () => void;
}

interface Subscription {
  readonly selectorKeys: ReadonlySet<string>;
  readonly onChange: () => void;
}

/** Unambiguous even when a type or value contains ':'. */
export function selectorKey(selector: Selector): string {
  return JSON.stringify([selector.type, selector.value]);
}

/** Converts a server entry; undefined (skipped) when its SPIFFE ID is invalid. */
export function cachedEntryFrom(entry: types.Entry): CachedEntry | undefined {
  let spiffeId: SpiffeId;
  try {
    spiffeId = SpiffeId.fromPath(TrustDomain.parse(entry.spiffeId?.trustDomain ?? ''), entry.spiffeId?.path ?? '');
  } catch {
    return undefined;
  }
  const federatesWith: TrustDomain[] = [];
  for (const name of entry.federatesWith) {
    try {
      federatesWith.push(TrustDomain.parse(name));
    } catch {
      // A bad federated trust domain name grants nothing.
    }
  }
  return {
    entryId: entry.id,
    spiffeId,
    selectorKeys: entry.selectors.map(selectorKey),
    hint: entry.hint,
    federatesWith,
    revision: entry.revisionNumber,
    jwtIncludeJti: entry.additionalAttributes?.jwtSvidIncludeJti ?? false,
  };
}

export class IdentityCache implements WorkloadIdentitySource {
  #entries = new Map<string, CachedEntry>();
  readonly #svids = new Map<string, X509Svid>();
  readonly #federatedBundles = new Map<string, SpiffeBundle>();
  readonly #subscriptions = new Set<Subscription>();
  /** Last time (ms) a workload asked for each entry: the LRU order. */
  readonly #lastUsed = new Map<string, number>();
  readonly #jwtCache: JwtSvidCache;
  readonly #options: IdentityCacheOptions;
  #bundle: SpiffeBundle;

  constructor(options: IdentityCacheOptions) {
    this.#options = options;
    this.#bundle = options.bundle;
    this.#jwtCache = new JwtSvidCache({ mint: options.mintJwtSvid, nowMs: options.nowMs, maxSize: options.jwtSvidCacheMaxSize ?? 1000 });
  }

  get bundle(): SpiffeBundle {
    return this.#bundle;
  }

  /** The federated bundles held, by trust domain name. */
  federatedBundles(): ReadonlyMap<string, SpiffeBundle> {
    return this.#federatedBundles;
  }

  entries(): ReadonlyMap<string, CachedEntry> {
    return this.#entries;
  }

  svid(entryId: string): X509Svid | undefined {
    return this.#svids.get(entryId);
  }

  /** Applies changes and notifies subscribers once (when `changes` reports a change). */
  update(changes: (writer: CacheWriter) => void): void {
    let changed = false;
    const writer: CacheWriter = {
      setEntries: (entries) => {
        if (entries.length === this.#entries.size && entries.every((e) => sameEntry(e, this.#entries.get(e.entryId)))) return;
        this.#entries = new Map(entries.map((e) => [e.entryId, e]));
        for (const id of [...this.#svids.keys()]) if (!this.#entries.has(id)) this.#svids.delete(id);
        for (const id of [...this.#lastUsed.keys()]) if (!this.#entries.has(id)) this.#lastUsed.delete(id);
        changed = true;
      },
      setSvid: (entryId, svid) => {
        if (!this.#entries.has(entryId)) return;
        this.#svids.set(entryId, svid);
        changed = true;
      },
      deleteSvid: (entryId) => {
        if (this.#svids.delete(entryId)) changed = true;
      },
      setBundle: (bundle) => {
        if (bundle.equals(this.#bundle)) return;
        this.#bundle = bundle;
        changed = true;
      },
      setFederatedBundle: (bundle) => {
        if (bundle.equals(this.#federatedBundles.get(bundle.trustDomain.name))) return;
        this.#federatedBundles.set(bundle.trustDomain.name, bundle);
        changed = true;
      },
      setFederatedBundles: (bundles) => {
        const names = new Set(bundles.map((bundle) => bundle.trustDomain.name));
        for (const name of [...this.#federatedBundles.keys()]) {
          if (!names.has(name)) {
            this.#federatedBundles.delete(name);
            changed = true;
          }
        }
        for (const bundle of bundles) writer.setFederatedBundle(bundle);
      },
    };
    changes(writer);
    if (changed) this.#notify();
  }

  matchingIdentities(selectors: readonly Selector[]): WorkloadUpdate {
    const held = new Set(selectors.map(selectorKey));
    const now = this.#options.nowMs();
    const identities: WorkloadIdentity[] = [];
    for (const entry of this.#matching(held)) {
      this.#lastUsed.set(entry.entryId, now);
      const svid = this.#svids.get(entry.entryId);
      // An expired SVID is never served (the server may be down for longer than its life).
      const current = svid !== undefined && svid.expiresAt.getTime() > now ? svid : undefined;
      identities.push({ entryId: entry.entryId, spiffeId: entry.spiffeId, hint: entry.hint, federatesWith: entry.federatesWith, svid: current });
    }
    return { identities, bundle: this.#bundle, federatedBundles: [...this.#federatedBundles.values()] };
  }

  subscribe(selectors: readonly Selector[], onChange: () => void): () => void {
    const subscription: Subscription = { selectorKeys: new Set(selectors.map(selectorKey)), onChange };
    this.#subscriptions.add(subscription);
    const matched = this.#matching(subscription.selectorKeys);
    if (matched.some((entry) => !this.#svids.has(entry.entryId))) this.#options.onMissingSvid?.();
    return () => {
      this.#subscriptions.delete(subscription);
    };
  }

  fetchJwtSvid(identity: WorkloadIdentity, audience: readonly string[], signal: AbortSignal): Promise<string> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const entry = this.#entries.get(identity.entryId);
    if (entry === undefined) return Promise.reject(new Error(`entry "${identity.entryId}" is no longer authorized`));
    return this.#jwtCache.fetch(entry, audience);
  }

  /** Entries some connected workload matches: the LRU never evicts their SVIDs. */
  activeEntryIds(): Set<string> {
    const active = new Set<string>();
    for (const subscription of this.#subscriptions) for (const entry of this.#matching(subscription.selectorKeys)) active.add(entry.entryId);
    return active;
  }

  /** When a workload last asked for the entry (ms), or undefined. */
  lastUsedMs(entryId: string): number | undefined {
    return this.#lastUsed.get(entryId);
  }

  /** X509-SVIDs held (Debug.GetInfo's cached_x509_svids_count). */
  get x509SvidCount(): number {
    return this.#svids.size;
  }

  /** JWT-SVIDs held (Debug.GetInfo's cached_jwt_svids_count). */
  get jwtSvidCount(): number {
    return this.#jwtCache.size;
  }

  get subscriberCount(): number {
    return this.#subscriptions.size;
  }

  #matching(held: ReadonlySet<string>): CachedEntry[] {
    const matched: CachedEntry[] = [];
    for (const entry of this.#entries.values()) {
      // An entry without selectors matches nobody.
      if (entry.selectorKeys.length > 0 && entry.selectorKeys.every((key) => held.has(key))) matched.push(entry);
    }
    return matched;
  }

  #notify(): void {
    for (const subscription of [...this.#subscriptions]) subscription.onChange();
  }
}

/** Whether a synced entry is the one held (so an unchanged sync notifies nobody). */
function sameEntry(a: CachedEntry, b: CachedEntry | undefined): boolean {
  return (
    b !== undefined &&
    a.revision === b.revision &&
    a.hint === b.hint &&
    a.jwtIncludeJti === b.jwtIncludeJti &&
    a.spiffeId.equals(b.spiffeId) &&
    a.selectorKeys.join('\n') === b.selectorKeys.join('\n') &&
    a.federatesWith.map((td) => td.name).join(',') === b.federatesWith.map((td) => td.name).join(',')
  );
}

export interface CacheWriter {
  setEntries(entries: readonly CachedEntry[]): void;
  setSvid(entryId: string, svid: X509Svid): void;
  deleteSvid(entryId: string): void;
  setBundle(bundle: SpiffeBundle): void;
  setFederatedBundle(bundle: SpiffeBundle): void;
  /** Replaces every federated bundle: those not in `bundles` are dropped. */
  setFederatedBundles(bundles: readonly SpiffeBundle[]): void;
}
