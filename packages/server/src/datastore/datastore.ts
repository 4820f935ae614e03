// The one datastore interface the server consumes. Implemented by the SQL store for both
// SQLite and PostgreSQL; every write runs in one database transaction.
import type {
  AttestedNode, Bundle, BundleDeleteMode, BundleField, EntryEvent, EntryField, EntryFilter,
  FederationRelationship, FederationRelationshipField, JoinToken, ListBundlesResult,
  ListEntriesRequest, ListEntriesResult, ListEventsRequest, ListFederationRelationshipsResult,
  ListNodesRequest, ListNodesResult, NewRegistrationEntry, NodeEvent, NodeField, NodeFilter, Page,
  RegistrationEntry, Selector,
} from './types.js';

import type { DatastoreError } from './errors.js';

/** Outcome of one entry of createEntries. */
export type CreateEntryResult =
  | { entry: RegistrationEntry; error?: undefined }
  | { entry?: undefined; error: DatastoreError };

export interface DataStore {
  // --- registration entries -------------------------------------------------------------
  /**
   * Creates an entry (UUIDv4 id when `id` is empty). Throws ERR_DATASTORE_ALREADY_EXISTS for a
   * duplicate id, SimilarEntryError (ERR_DATASTORE_SIMILAR_ENTRY) when an entry with the same
   * spiffeId, parentId and selector set exists, ERR_DATASTORE_FAILED_PRECONDITION when a
   * federatesWith trust domain has no bundle.
   */
  createEntry(entry: NewRegistrationEntry): Promise<RegistrationEntry>;
  /**
   * Creates many entries in ONE transaction (one commit). Refusals createEntry would throw
   * (similar, duplicate, invalid, missing bundle) come back per item in request order without
   * affecting the others; any other failure rolls the whole batch back and is thrown.
   */
  createEntries(entries: readonly NewRegistrationEntry[]): Promise<CreateEntryResult[]>;
  /** Like createEntry but returns the similar entry instead of throwing. */
  createOrReturnEntry(entry: NewRegistrationEntry): Promise<{ entry: RegistrationEntry; created: boolean }>;
  fetchEntry(id: string): Promise<RegistrationEntry | null>;
  /** Found entries in the order of `ids`; unknown ids are skipped. */
  fetchEntries(ids: readonly string[]): Promise<RegistrationEntry[]>;
  listEntries(request?: ListEntriesRequest): Promise<ListEntriesResult>;
  countEntries(filter?: EntryFilter): Promise<number>;
  /**
   * Updates the fields named in `mask` (all when undefined) and bumps revisionNumber.
   * Throws ERR_ENTRY_NOT_FOUND.
   */
  updateEntry(entry: RegistrationEntry, mask?: Iterable<EntryField>): Promise<RegistrationEntry>;
  /** Returns the deleted entry; throws ERR_ENTRY_NOT_FOUND. */
  deleteEntry(id: string): Promise<RegistrationEntry>;
  /** Deletes entries with 0 < expiresAt < expiresBefore; returns how many. */
  pruneEntries(expiresBefore: number): Promise<number>;

  // --- change feeds (see sql/event-store.ts for the gap caveat) --------------------------
  listEntryEvents(request?: ListEventsRequest): Promise<EntryEvent[]>;
  /** Deletes entry events created more than `olderThanSeconds` ago; returns how many. */
  pruneEntryEvents(olderThanSeconds: number): Promise<number>;
  listNodeEvents(request?: ListEventsRequest): Promise<NodeEvent[]>;
  pruneNodeEvents(olderThanSeconds: number): Promise<number>;

  // --- join tokens -----------------------------------------------------------------------
  /** Throws ERR_DATASTORE_ALREADY_EXISTS for a duplicate token. */
  createJoinToken(token: JoinToken): Promise<JoinToken>;
  fetchJoinToken(token: string): Promise<JoinToken | null>;
  /** Throws ERR_DATASTORE_NOT_FOUND. */
  deleteJoinToken(token: string): Promise<void>;
  /** Atomically deletes and returns the token; of concurrent consumers exactly one gets it. */
  consumeJoinToken(token: string): Promise<JoinToken | null>;
  /** Deletes tokens with expiresAt < expiresBefore; returns how many. */
  pruneJoinTokens(expiresBefore: number): Promise<number>;

  // --- attested nodes --------------------------------------------------------------------
  /** Also stores `node.selectors` when given. Throws ERR_DATASTORE_ALREADY_EXISTS. */
  createAttestedNode(node: AttestedNode): Promise<AttestedNode>;
  /**
   * Records a successful (re-)attestation in ONE transaction: creates the node, or updates the
   * existing one's attestationType, certSerialNumber, certNotAfter and canReattest (clearing
   * newCertSerialNumber/newCertNotAfter, keeping agentVersion), and replaces its selectors.
   * `node.certSerialNumber` must not be empty. A banned node (empty serial) is left unchanged:
   * throws ERR_DATASTORE_FAILED_PRECONDITION "attested node is banned". Returns the stored node
   * with its selectors.
   */
  recordNodeAttestation(node: AttestedNode, selectors: readonly Selector[]): Promise<AttestedNode>;
  fetchAttestedNode(spiffeId: string, options?: { withSelectors?: boolean }): Promise<AttestedNode | null>;
  listAttestedNodes(request?: ListNodesRequest): Promise<ListNodesResult>;
  countAttestedNodes(filter?: NodeFilter): Promise<number>;
  /** Throws ERR_DATASTORE_NOT_FOUND. */
  updateAttestedNode(node: AttestedNode, mask?: Iterable<NodeField>): Promise<AttestedNode>;
  /** Deletes the node and its selectors; returns the node. Throws ERR_DATASTORE_NOT_FOUND. */
  deleteAttestedNode(spiffeId: string): Promise<AttestedNode>;
  /** Replaces the node's selectors. */
  setNodeSelectors(spiffeId: string, selectors: readonly Selector[]): Promise<void>;
  getNodeSelectors(spiffeId: string): Promise<Selector[]>;
  /** Selectors of every node (only nodes whose certNotAfter > validAt, when given). */
  listNodeSelectors(options?: { validAt?: number }): Promise<Map<string, Selector[]>>;
  /**
   * Deletes nodes with certNotAfter < expiredBefore (and their selectors). Banned nodes are kept;
   * non-reattestable ones only with includeNonReattestable. Returns how many.
   */
  pruneAttestedExpiredNodes(expiredBefore: number, includeNonReattestable: boolean): Promise<number>;

  // --- bundles ---------------------------------------------------------------------------
  /** Throws ERR_DATASTORE_ALREADY_EXISTS. */
  createBundle(bundle: Bundle): Promise<Bundle>;
  fetchBundle(trustDomain: string): Promise<Bundle | null>;
  listBundles(page?: Page): Promise<ListBundlesResult>;
  countBundles(): Promise<number>;
  /** Throws ERR_DATASTORE_NOT_FOUND. */
  updateBundle(bundle: Bundle, mask?: Iterable<BundleField>): Promise<Bundle>;
  /** Create or replace. */
  setBundle(bundle: Bundle): Promise<Bundle>;
  /** Merges authorities (deduplicated), bumps sequenceNumber when something was added. */
  appendBundle(bundle: Bundle): Promise<Bundle>;
  /** See BundleDeleteMode. Throws ERR_DATASTORE_NOT_FOUND / ERR_DATASTORE_FAILED_PRECONDITION. */
  deleteBundle(trustDomain: string, mode?: BundleDeleteMode): Promise<void>;
  /**
   * Drops X.509 authorities whose certificate expired before `expiresBefore` and JWT authorities
   * with 0 < expiresAt < expiresBefore; returns whether the bundle changed. Refuses
   * (ERR_DATASTORE_FAILED_PRECONDITION) to prune every certificate or every JWT key.
   */
  pruneBundle(trustDomain: string, expiresBefore: number): Promise<boolean>;

  // --- federation relationships ----------------------------------------------------------
  createFederationRelationship(relationship: FederationRelationship): Promise<FederationRelationship>;
  fetchFederationRelationship(trustDomain: string): Promise<FederationRelationship | null>;
  listFederationRelationships(page?: Page): Promise<ListFederationRelationshipsResult>;
  updateFederationRelationship(
    relationship: FederationRelationship,
    mask?: Iterable<FederationRelationshipField>,
  ): Promise<FederationRelationship>;
  deleteFederationRelationship(trustDomain: string): Promise<void>;

  // --- CA journal ------------------------------------------------------------------------
  /**
   * The CA manager's key-slot journals. `key` (1-255 characters) separates the journals of
   * servers sharing one database: the server keys each by its active CA (`x509-ca/<skid>`).
   */
  fetchCaJournal(key?: string): Promise<Uint8Array | null>;
  setCaJournal(data: Uint8Array, key?: string): Promise<void>;
  /** Deletes the journal stored under `key`; a missing one is not an error. */
  deleteCaJournal(key: string): Promise<void>;
  /** Every stored journal key, sorted. */
  listCaJournalKeys(): Promise<string[]>;

  /** Closes the database handle / pool. */
  close(): Promise<void>;
}
