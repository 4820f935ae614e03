// The DataStore implementation over Kysely, the same for SQLite and PostgreSQL. Each method
// delegates to the store module for its kind of record.
import type { DataStore } from '../datastore.js';
import type {
  AttestedNode, Bundle, BundleDeleteMode, BundleField, EntryField, EntryFilter, FederationRelationship,
  FederationRelationshipField, JoinToken, ListEntriesRequest, ListEventsRequest, ListNodesRequest,
  NewRegistrationEntry, NodeField, NodeFilter, Page, RegistrationEntry, Selector,
} from '../types.js';
import * as bundles from './bundle-store.js';
import type { SqlContext } from './context.js';
import * as entryQuery from './entry-query.js';
import * as entries from './entry-store.js';
import * as events from './event-store.js';
import * as federation from './federation-store.js';
import * as tokens from './join-token-store.js';
import * as nodes from './node-store.js';

export class SqlDatastore implements DataStore {
  readonly #ctx: SqlContext;
  readonly #onClose: () => Promise<void>;

  constructor(ctx: SqlContext, onClose: () => Promise<void>) {
    this.#ctx = ctx;
    this.#onClose = onClose;
  }

  /** 'sqlite' or 'postgres' */
  get backend(): SqlContext['backend'] {
    return this.#ctx.backend;
  }

  async createEntry(entry: NewRegistrationEntry) { return (await entries.createEntry(this.#ctx, entry, false)).entry; }
  createEntries(list: readonly NewRegistrationEntry[]) { return entries.createEntries(this.#ctx, list); }
  createOrReturnEntry(entry: NewRegistrationEntry) { return entries.createEntry(this.#ctx, entry, true); }
  fetchEntry(id: string) { return entryQuery.fetchEntry(this.#ctx, id); }
  fetchEntries(ids: readonly string[]) { return entryQuery.fetchEntries(this.#ctx, ids); }
  listEntries(request?: ListEntriesRequest) { return entryQuery.listEntries(this.#ctx, request); }
  countEntries(filter?: EntryFilter) { return entryQuery.countEntries(this.#ctx, filter); }
  updateEntry(entry: RegistrationEntry, mask?: Iterable<EntryField>) { return entries.updateEntry(this.#ctx, entry, mask); }
  deleteEntry(id: string) { return entries.deleteEntry(this.#ctx, id); }
  pruneEntries(expiresBefore: number) { return entries.pruneEntries(this.#ctx, expiresBefore); }

  listEntryEvents(request?: ListEventsRequest) { return events.listEntryEvents(this.#ctx, request); }
  pruneEntryEvents(olderThanSeconds: number) { return events.pruneEntryEvents(this.#ctx, olderThanSeconds); }
  listNodeEvents(request?: ListEventsRequest) { return events.listNodeEvents(this.#ctx, request); }
  pruneNodeEvents(olderThanSeconds: number) { return events.pruneNodeEvents(this.#ctx, olderThanSeconds); }

  createJoinToken(token: JoinToken) { return tokens.createJoinToken(this.#ctx, token); }
  fetchJoinToken(token: string) { return tokens.fetchJoinToken(this.#ctx, token); }
  deleteJoinToken(token: string) { return tokens.deleteJoinToken(this.#ctx, token); }
  consumeJoinToken(token: string) { return tokens.consumeJoinToken(this.#ctx, token); }
  pruneJoinTokens(expiresBefore: number) { return tokens.pruneJoinTokens(this.#ctx, expiresBefore); }

  createAttestedNode(node: AttestedNode) { return nodes.createAttestedNode(this.#ctx, node); }
  recordNodeAttestation(node: AttestedNode, selectors: readonly Selector[]) { return nodes.recordNodeAttestation(this.#ctx, node, selectors); }
  fetchAttestedNode(spiffeId: string, options?: { withSelectors?: boolean }) {
    return nodes.fetchAttestedNode(this.#ctx, spiffeId, options?.withSelectors === true);
  }
  listAttestedNodes(request?: ListNodesRequest) { return nodes.listAttestedNodes(this.#ctx, request); }
  countAttestedNodes(filter?: NodeFilter) { return nodes.countAttestedNodes(this.#ctx, filter); }
  updateAttestedNode(node: AttestedNode, mask?: Iterable<NodeField>) { return nodes.updateAttestedNode(this.#ctx, node, mask); }
  deleteAttestedNode(spiffeId: string) { return nodes.deleteAttestedNode(this.#ctx, spiffeId); }
  setNodeSelectors(spiffeId: string, selectors: readonly Selector[]) { return nodes.setNodeSelectors(this.#ctx, spiffeId, selectors); }
  getNodeSelectors(spiffeId: string) { return nodes.getNodeSelectors(this.#ctx, spiffeId); }
  listNodeSelectors(options?: { validAt?: number }) { return nodes.listNodeSelectors(this.#ctx, options?.validAt); }
  pruneAttestedExpiredNodes(expiredBefore: number, includeNonReattestable: boolean) {
    return nodes.pruneAttestedExpiredNodes(this.#ctx, expiredBefore, includeNonReattestable);
  }

  createBundle(bundle: Bundle) { return bundles.createBundle(this.#ctx, bundle); }
  fetchBundle(trustDomain: string) { return bundles.fetchBundle(this.#ctx, trustDomain); }
  listBundles(page?: Page) { return bundles.listBundles(this.#ctx, page); }
  countBundles() { return bundles.countBundles(this.#ctx); }
  updateBundle(bundle: Bundle, mask?: Iterable<BundleField>) { return bundles.updateBundle(this.#ctx, bundle, mask); }
  setBundle(bundle: Bundle) { return bundles.setBundle(this.#ctx, bundle); }
  appendBundle(bundle: Bundle) { return bundles.appendBundle(this.#ctx, bundle); }
  deleteBundle(trustDomain: string, mode: BundleDeleteMode = 'restrict') { return bundles.deleteBundle(this.#ctx, trustDomain, mode); }
  pruneBundle(trustDomain: string, expiresBefore: number) { return bundles.pruneBundle(this.#ctx, trustDomain, expiresBefore); }

  createFederationRelationship(r: FederationRelationship) { return federation.createFederationRelationship(this.#ctx, r); }
  fetchFederationRelationship(trustDomain: string) { return federation.fetchFederationRelationship(this.#ctx, trustDomain); }
  listFederationRelationships(page?: Page) { return federation.listFederationRelationships(this.#ctx, page); }
  updateFederationRelationship(r: FederationRelationship, mask?: Iterable<FederationRelationshipField>) {
    return federation.updateFederationRelationship(this.#ctx, r, mask);
  }
  deleteFederationRelationship(trustDomain: string) { return federation.deleteFederationRelationship(this.#ctx, trustDomain); }

  fetchCaJournal(key: string = federation.DEFAULT_CA_JOURNAL_KEY) { return federation.fetchCaJournal(this.#ctx, key); }
  setCaJournal(data: Uint8Array, key: string = federation.DEFAULT_CA_JOURNAL_KEY) {
    return federation.setCaJournal(this.#ctx, data, key);
  }
  deleteCaJournal(key: string) { return federation.deleteCaJournal(this.#ctx, key); }
  listCaJournalKeys() { return federation.listCaJournalKeys(this.#ctx); }

  close(): Promise<void> { return this.#onClose(); }
}
