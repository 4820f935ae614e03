// A datastore wrapper for cache tests: hides event ids and entries to play transactions that
// are still in flight (or committed out of order), fails fetches on demand, counts calls.
import type { DataStore } from '../datastore/datastore.js';
import type { AttestedNode, ListEventsRequest, RegistrationEntry, Selector } from '../datastore/types.js';
import type { CacheDatastore } from './authorized-entries-cache.js';

export const TD = 'spiffe://example.org';
export const SERVER = `${TD}/spire/server`;
export const sel = (type: string, value: string): Selector => ({ type, value });
export const ids = (entries: readonly RegistrationEntry[]): string[] => entries.map((e) => e.id).sort();

export interface ControlledDatastore extends CacheDatastore {
  /** event ids listEntryEvents leaves out */
  hiddenEntryEvents: Set<number>;
  /** entry ids listEntries / fetchEntries leave out */
  hiddenEntries: Set<string>;
  failFetches: boolean;
  /** names of the calls made, in order */
  calls: string[];
  /** runs once after the next listEntries read (to commit something "meanwhile") */
  afterNextListing?: (() => Promise<void>) | undefined;
}

export function controlled(ds: DataStore): ControlledDatastore {
  const control: ControlledDatastore = {
    hiddenEntryEvents: new Set(),
    hiddenEntries: new Set(),
    failFetches: false,
    calls: [],
    async listEntries(request) {
      control.calls.push('listEntries');
      const result = await ds.listEntries(request);
      const hook = control.afterNextListing;
      control.afterNextListing = undefined;
      await hook?.();
      return { ...result, entries: result.entries.filter((e) => !control.hiddenEntries.has(e.id)) };
    },
    async fetchEntries(entryIds) {
      control.calls.push(`fetchEntries:${[...entryIds].sort().join(',')}`);
      if (control.failFetches) throw new Error('injected fetch failure');
      return (await ds.fetchEntries(entryIds)).filter((e) => !control.hiddenEntries.has(e.id));
    },
    async listEntryEvents(request?: ListEventsRequest) {
      control.calls.push('listEntryEvents');
      return (await ds.listEntryEvents(request)).filter((e) => !control.hiddenEntryEvents.has(e.eventId));
    },
    async listNodeEvents(request?: ListEventsRequest) {
      control.calls.push('listNodeEvents');
      return ds.listNodeEvents(request);
    },
    async listNodeSelectors(options) {
      control.calls.push('listNodeSelectors');
      return ds.listNodeSelectors(options);
    },
    async getNodeSelectors(spiffeId) {
      control.calls.push(`getNodeSelectors:${spiffeId}`);
      return ds.getNodeSelectors(spiffeId);
    },
  };
  return control;
}

/** Hides the newest event of `entryId` and the entry itself: a create still in flight. */
export async function inFlight(ds: DataStore, control: ControlledDatastore, entryId: string): Promise<number> {
  const events = (await ds.listEntryEvents()).filter((e) => e.entryId === entryId);
  const newest = events.at(-1);
  if (newest === undefined) throw new Error(`no event for entry ${entryId}`);
  control.hiddenEntryEvents.add(newest.eventId);
  control.hiddenEntries.add(entryId);
  return newest.eventId;
}

/** Makes an in-flight create visible: the transaction committed. */
export function commit(control: ControlledDatastore, entryId: string, eventId: number): void {
  control.hiddenEntryEvents.delete(eventId);
  control.hiddenEntries.delete(entryId);
}

export function agentNode(spiffeId: string, selectors: Selector[], certNotAfter: number): AttestedNode {
  return {
    spiffeId, attestationType: 'x509pop', certSerialNumber: '1', certNotAfter, newCertSerialNumber: '',
    newCertNotAfter: 0, canReattest: true, agentVersion: '', selectors,
  };
}
