/**
 * What the Workload API endpoint consumes from the rest of the agent, as small interfaces (the
 * agent's cache and its workload attestors implement them; tests use InMemoryIdentitySource).
 * The endpoint owns the protocol: ordering, filtering, encoding, de-duplication, status codes.
 */
import type { Socket } from 'node:net';
import type { SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '@tspire/spiffe';

/** A workload selector as attestors produce and entries carry it (`unix` / `uid:1000`). */
export interface Selector {
  readonly type: string;
  readonly value: string;
}

/** One registration entry the workload matches, with the X509-SVID the agent holds for it. */
export interface WorkloadIdentity {
  /** The entry ID; identities are served in ascending entry ID order (the first is the default). */
  readonly entryId: string;
  readonly spiffeId: SpiffeId;
  /** The entry's hint; `''` when unset. */
  readonly hint: string;
  /** Trust domains whose bundles a workload of this entry receives. */
  readonly federatesWith: readonly TrustDomain[];
  /**
   * The current X509-SVID (chain and private key), or undefined while the agent is still
   * obtaining it. An SVID whose SPIFFE ID is not `spiffeId` (the entry was renamed) counts as
   * not there yet. A FetchX509SVID stream's first message waits until every identity has its
   * SVID; later messages carry the identities whose SVIDs are there.
   */
  readonly svid: X509Svid | undefined;
}

/** Everything the agent holds for a workload with a given set of selectors. */
export interface WorkloadUpdate {
  /** Every entry matching the selectors (any order; the endpoint sorts them). */
  readonly identities: readonly WorkloadIdentity[];
  /** The bundle of the agent's own trust domain. */
  readonly bundle: SpiffeBundle;
  /**
   * Bundles of other trust domains. May hold more than the identities federate with: the
   * endpoint sends only those some matching identity federates with (never the own trust domain).
   */
  readonly federatedBundles: readonly SpiffeBundle[];
}

/**
 * The agent's view of workload identities, for the Workload API.
 * @example
 * const unsubscribe = source.subscribe(selectors, () => resend(source.matchingIdentities(selectors)));
 */
export interface WorkloadIdentitySource {
  /** The current state for a workload with `selectors` (an entry matches when all its selectors are among them). */
  matchingIdentities(selectors: readonly Selector[]): WorkloadUpdate;
  /**
   * Calls `onChange` after anything that may change `matchingIdentities(selectors)`: SVID
   * rotation, entries added, changed or removed, bundle or federated bundle updates. Spurious
   * calls are fine (the endpoint compares and sends only real changes); `onChange` must not
   * throw. Subscribing also tells the source a workload with these selectors is connected (an
   * LRU cache mints its SVIDs on demand). Returns the function that ends the subscription.
   */
  subscribe(selectors: readonly Selector[], onChange: () => void): () => void;
  /**
   * A JWT-SVID (compact JWS) for `identity` with every value of `audience` in `aud`, from cache
   * or freshly signed by the server. Rejects when none can be had; `signal` aborts when the
   * caller goes away.
   */
  fetchJwtSvid(identity: WorkloadIdentity, audience: readonly string[], signal: AbortSignal): Promise<string>;
}

/**
 * Attests the process on the other end of a Workload API connection: its selectors, from the
 * connection's socket (a UNIX socket: peer credentials via SO_PEERCRED).
 */
export type CallerAttestor = (socket: Socket) => Promise<readonly Selector[]>;
