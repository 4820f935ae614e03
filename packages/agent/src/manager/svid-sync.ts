/**
 * One sync cycle of the agent (spire-compat 3.5): SyncAuthorizedEntries (incremental, against the
 * entries held) → GetBundle → GetFederatedBundle for each trust domain the entries federate with
 * (federated-bundles.ts) → BatchNewX509SVID (≤ 500 per call) for the entries needing an SVID:
 * new, revision or SPIFFE ID changed, or past their jittered half life. Every SVID gets a fresh
 * key and CSR. SVIDs of removed entries go with their entries. With more entries than
 * x509_svid_cache_max_size, only entries of connected workloads plus the most recently used
 * ones hold SVIDs (a soft LRU bound, as SPIRE).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { nullLogger, type Logger } from '@tspire/common';
import type { types } from '@tspire/proto';
import { X509Svid, type SpiffeBundle, type TrustDomain } from '@tspire/spiffe';
import { createCsr, type CsrKeyType } from '../client/csr.js';
import type { NewX509SvidParams, ServerClient } from '../client/server-client.js';
import { FederatedBundleSync } from './federated-bundles.js';
import { cachedEntryFrom, type CachedEntry, type IdentityCache } from './identity-cache.js';
import { renewAtMs, validityMs } from './rotation.js';
import { spiffeBundleFromServer } from './server-bundle.js';

/** SPIRE limits one BatchNewX509SVID call to 500 SVIDs. */
export const MAX_SVID_BATCH = 500;

export interface SvidSyncOptions {
  trustDomain: TrustDomain;
  cache: IdentityCache;
  keyType: CsrKeyType;
  generateKey: (keyType: CsrKeyType) => Promise<KeyObject>;
  nowMs: () => number;
  random: () => number;
  /** Soft bound on cached X509-SVIDs. */
  maxSvids: number;
  logger?: Logger;
}

export interface SyncSummary {
  entries: number;
  minted: number;
  failed: number;
  bundle: SpiffeBundle;
  /** Federated bundles held after the sync. */
  federatedBundles: number;
}

interface SvidMeta {
  revision: bigint;
  renewAtMs: number;
}

export class SvidSynchronizer {
  /** The server's entries as last synced: the base of the next incremental sync. */
  #serverEntries: types.Entry[] = [];
  readonly #meta = new Map<string, SvidMeta>();
  readonly #logger: Logger;
  readonly #federated: FederatedBundleSync;

  constructor(private readonly options: SvidSyncOptions) {
    this.#logger = options.logger ?? nullLogger;
    this.#federated = new FederatedBundleSync({ trustDomain: options.trustDomain, logger: this.#logger });
  }

  /** A full cycle: entries, bundles, SVIDs. Throws on a failed server call (cached data stays). */
  async sync(client: ServerClient): Promise<SyncSummary> {
    const { entries } = await client.syncAuthorizedEntries(this.#serverEntries);
    const bundle = spiffeBundleFromServer(this.options.trustDomain, await client.getBundle());
    const cached = entries.map(cachedEntryFrom).filter((entry): entry is CachedEntry => entry !== undefined);
    const federated = await this.#federated.fetch(client, cached);
    this.#serverEntries = entries;
    // One update: an entry that starts federating arrives together with the bundle it needs.
    this.options.cache.update((writer) => {
      writer.setEntries(cached);
      writer.setBundle(bundle);
      writer.setFederatedBundles(federated);
    });
    for (const id of [...this.#meta.keys()]) if (!this.options.cache.entries().has(id)) this.#meta.delete(id);
    const { minted, failed } = await this.mintSvids(client);
    return { entries: cached.length, minted, failed, bundle, federatedBundles: federated.length };
  }

  /** Mints the SVIDs that are missing or due and evicts those beyond the LRU bound. */
  async mintSvids(client: ServerClient): Promise<{ minted: number; failed: number }> {
    const cache = this.options.cache;
    const keep = this.#entriesToHold();
    cache.update((writer) => {
      for (const id of cache.entries().keys()) {
        if (!keep.has(id) && cache.svid(id) !== undefined) {
          writer.deleteSvid(id);
          this.#meta.delete(id);
        }
      }
    });
    const due = [...keep].map((id) => cache.entries().get(id)!).filter((entry) => this.#needsSvid(entry));
    let minted = 0;
    let failed = 0;
    for (let start = 0; start < due.length; start += MAX_SVID_BATCH) {
      const result = await this.#mintBatch(client, due.slice(start, start + MAX_SVID_BATCH));
      minted += result.minted;
      failed += result.failed;
    }
    return { minted, failed };
  }

  /** Entry IDs that hold an SVID: all of them up to the bound, else active + most recently used. */
  #entriesToHold(): Set<string> {
    const cache = this.options.cache;
    const all = [...cache.entries().keys()];
    if (all.length <= this.options.maxSvids) return new Set(all);
    const keep = cache.activeEntryIds();
    const rest = all
      .filter((id) => !keep.has(id))
      .sort((a, b) => (cache.lastUsedMs(b) ?? -1) - (cache.lastUsedMs(a) ?? -1) || (a < b ? -1 : a > b ? 1 : 0));
    for (const id of rest) {
      if (keep.size >= this.options.maxSvids) break;
      keep.add(id);
    }
    return keep;
  }

  #needsSvid(entry: CachedEntry): boolean {
    const svid = this.options.cache.svid(entry.entryId);
    const meta = this.#meta.get(entry.entryId);
    if (svid === undefined || meta === undefined) return true;
    return meta.revision !== entry.revision || !svid.id.equals(entry.spiffeId) || this.options.nowMs() >= meta.renewAtMs;
  }

  async #mintBatch(client: ServerClient, entries: readonly CachedEntry[]): Promise<{ minted: number; failed: number }> {
    const keys = await Promise.all(entries.map(() => this.options.generateKey(this.options.keyType)));
    const params: NewX509SvidParams[] = entries.map((entry, i) => ({ entryId: entry.entryId, csrDer: createCsr(keys[i]!, { spiffeId: entry.spiffeId }) }));
    const results = await client.batchNewX509Svid(params);
    const fresh: [CachedEntry, X509Svid][] = [];
    let failed = 0;
    let firstFailure: Record<string, string> | undefined;
    results.forEach((result, i) => {
      const entry = entries[i]!;
      const svid = result.svid === undefined ? undefined : this.#toSvid(entry, result.svid.certChain, keys[i]!);
      if (svid === undefined) {
        // One line per batch, not per entry: a failing server must not flood the log.
        if (failed++ === 0) firstFailure = { entry_id: entry.entryId, spiffe_id: entry.spiffeId.toString(), status: result.status.message };
        return;
      }
      fresh.push([entry, svid]);
    });
    if (firstFailure !== undefined) this.#logger.warn('Failed to mint X509-SVIDs', { failed, ...firstFailure });
    this.options.cache.update((writer) => {
      for (const [entry, svid] of fresh) {
        const { notBeforeMs, notAfterMs } = validityMs(svid.leaf);
        this.#meta.set(entry.entryId, { revision: entry.revision, renewAtMs: renewAtMs(notBeforeMs, notAfterMs, this.options.random) });
        writer.setSvid(entry.entryId, svid);
      }
    });
    return { minted: fresh.length, failed };
  }

  /** The server's answer must be an X509-SVID for the entry's ID and our key; else it is dropped. */
  #toSvid(entry: CachedEntry, chainDer: readonly Uint8Array[], key: KeyObject): X509Svid | undefined {
    try {
      const svid = X509Svid.fromParts(chainDer.map((der) => new X509Certificate(der)), key, entry.hint === '' ? {} : { hint: entry.hint });
      if (!svid.id.equals(entry.spiffeId)) throw new Error(`the SVID is for ${svid.id.toString()}`);
      return svid;
    } catch (err) {
      this.#logger.warn('Server returned an unusable X509-SVID', { entry_id: entry.entryId, error: (err as Error).message });
      return undefined;
    }
  }
}
