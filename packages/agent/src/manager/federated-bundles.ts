/**
 * Federated bundles for the sync cycle, as SPIRE's agent: the bundle of every trust domain some
 * authorized entry federates with, fetched with Bundle.GetFederatedBundle (which the server lets
 * agents call). A trust domain the server has no bundle for (NotFound) is skipped, so workloads
 * get no bundle for it, and the sync goes on; the log says so once per change, not per cycle.
 * Any other failure fails the cycle (the cache keeps what it had).
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { nullLogger, type Logger } from '@tspire/common';
import type { types } from '@tspire/proto';
import { TrustDomain, type SpiffeBundle } from '@tspire/spiffe';
import type { ServerClient } from '../client/server-client.js';
import type { CachedEntry } from './identity-cache.js';
import { spiffeBundleFromServer } from './server-bundle.js';

export interface FederatedBundleSyncOptions {
  trustDomain: TrustDomain;
  logger?: Logger;
}

export class FederatedBundleSync {
  /** Trust domains last found missing on the server: logged once until found or no longer wanted. */
  readonly #missing = new Set<string>();
  readonly #logger: Logger;

  constructor(private readonly options: FederatedBundleSyncOptions) {
    this.#logger = options.logger ?? nullLogger;
  }

  /** The trust domains `entries` federate with, other than the own one, sorted. */
  wanted(entries: Iterable<CachedEntry>): string[] {
    const names = new Set<string>();
    for (const entry of entries) for (const td of entry.federatesWith) names.add(td.name);
    names.delete(this.options.trustDomain.name);
    return [...names].sort();
  }

  /**
   * The federated bundles `entries` need, as the server has them now.
   * @throws what the client throws (other than NotFound), or AgentError ERR_AGENT_BAD_SERVER_RESPONSE for a bad bundle.
   */
  async fetch(client: ServerClient, entries: Iterable<CachedEntry>): Promise<SpiffeBundle[]> {
    const wanted = this.wanted(entries);
    for (const name of [...this.#missing]) if (!wanted.includes(name)) this.#missing.delete(name);
    const results = await Promise.all(wanted.map((name) => this.#fetchOne(client, name)));
    return results.filter((bundle): bundle is SpiffeBundle => bundle !== undefined);
  }

  async #fetchOne(client: ServerClient, name: string): Promise<SpiffeBundle | undefined> {
    let message: types.Bundle;
    try {
      message = await client.getFederatedBundle(name);
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.NotFound)) throw err;
      if (!this.#missing.has(name)) {
        this.#missing.add(name);
        this.#logger.warn('Federated bundle not found; workloads federating with it get no bundle for it', { federated_bundle: name, error: err.rawMessage });
      }
      return undefined;
    }
    const bundle = spiffeBundleFromServer(TrustDomain.parse(name), message, { rpc: 'GetFederatedBundle', requireX509: false });
    if (this.#missing.delete(name)) this.#logger.info('Federated bundle found', { federated_bundle: name });
    return bundle;
  }
}
