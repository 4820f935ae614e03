// spire.api.server.entry.v1.Entry: the admin RPCs over registration entries, plus the agent-facing
// GetAuthorizedEntries and SyncAuthorizedEntries (authorized-entries.ts, sync-authorized-entries.ts).
import type { ServiceImpl } from '@connectrpc/connect';
import { entryv1 } from '@tspire/proto';
import { SimilarEntryError, isDatastoreError } from '../../../datastore/errors.js';
import type { CreateEntryResult } from '../../../datastore/datastore.js';
import type { NewRegistrationEntry, RegistrationEntry } from '../../../datastore/types.js';
import { asReReadAfterWrite, entryFieldsFromMask, entryFromProto, entryToProto } from '../../convert/entry.js';
import { entryFilterFromProto } from '../../convert/entry-filter.js';
import { resolveDeps, type ApiDeps } from '../../deps.js';
import { ApiError, invalidArgument, notFound, okStatus, statusOf, withContext } from '../../errors.js';
import { createGetAuthorizedEntries } from './authorized-entries.js';
import { createSyncAuthorizedEntries } from './sync-authorized-entries.js';

export interface EntryServiceOptions {
  /** SyncAuthorizedEntries page size (SPIRE's 500 by default; tests use small ones) */
  syncPageSize?: number;
}

export function createEntryService(apiDeps: ApiDeps, options: EntryServiceOptions = {}): ServiceImpl<typeof entryv1.Entry> {
  const deps = resolveDeps(apiDeps);
  const { datastore: ds, trustDomain: td, logger } = deps;

  function convert(e: Parameters<typeof entryFromProto>[0], options: Parameters<typeof entryFromProto>[2]): RegistrationEntry {
    try {
      return entryFromProto(e, td, options);
    } catch (err) {
      throw invalidArgument('failed to convert entry', err);
    }
  }

  type CreateItem = entryv1.BatchCreateEntryRequest['entries'][number];
  type CreateResult = { status: ReturnType<typeof okStatus>; entry?: ReturnType<typeof entryToProto> };

  function toInput(e: CreateItem): NewRegistrationEntry {
    const { revisionNumber: _revision, createdAt: _created, ...input } = convert(e, {});
    return input;
  }

  function createResult(outcome: CreateEntryResult, req: entryv1.BatchCreateEntryRequest): CreateResult {
    if (outcome.error === undefined) return { status: okStatus(), entry: entryToProto(asReReadAfterWrite(outcome.entry), req.outputMask) };
    return createFailure(outcome.error, req);
  }

  function createFailure(err: unknown, req: entryv1.BatchCreateEntryRequest): CreateResult {
    if (err instanceof SimilarEntryError) {
      return {
        status: statusOf(new ApiError('ERR_API_ALREADY_EXISTS', 'similar entry already exists'), logger),
        entry: entryToProto(err.existing, req.outputMask),
      };
    }
    return { status: statusOf(isDatastoreError(err) ? withContext('failed to create entry', err) : err, logger) };
  }

  /** The one-transaction-per-entry path; used only when a whole batch was rolled back. */
  async function createOne(input: NewRegistrationEntry, req: entryv1.BatchCreateEntryRequest): Promise<CreateResult> {
    try {
      return createResult({ entry: await ds.createEntry(input) }, req);
    } catch (err) {
      return createFailure(err, req);
    }
  }

  /**
   * Converts every item, then creates the convertible ones in ONE datastore transaction (items
   * see earlier items of the batch, as with sequential creates). If that transaction fails as a
   * whole (nothing was written), falls back to one transaction per item so each item still gets
   * its own status, exactly as before batching.
   */
  async function createBatch(req: entryv1.BatchCreateEntryRequest): Promise<CreateResult[]> {
    const results: (CreateResult | undefined)[] = [];
    const pending: { index: number; input: NewRegistrationEntry }[] = [];
    req.entries.forEach((e, index) => {
      try {
        pending.push({ index, input: toInput(e) });
        results.push(undefined);
      } catch (err) {
        results.push(createFailure(err, req));
      }
    });
    let outcomes: CreateEntryResult[] | undefined;
    try {
      outcomes = await ds.createEntries(pending.map((p) => p.input));
    } catch (err) {
      logger.warn('batch entry create rolled back; retrying one entry at a time', { error: String(err) });
    }
    for (const [i, { index, input }] of pending.entries()) {
      const outcome = outcomes?.[i];
      results[index] = outcome !== undefined ? createResult(outcome, req) : await createOne(input, req);
    }
    return results.map((r) => r ?? { status: statusOf(new Error('entry create produced no result'), logger) });
  }

  async function updateOne(e: entryv1.BatchUpdateEntryRequest['entries'][number], req: entryv1.BatchUpdateEntryRequest) {
    try {
      const fields = entryFieldsFromMask(req.inputMask);
      const entry = convert(e, { fields, requireId: true });
      const updated = await ds.updateEntry(entry, fields);
      return { status: okStatus(), entry: entryToProto(asReReadAfterWrite(updated), req.outputMask) };
    } catch (err) {
      // SPIRE words an unknown ID as a failed update (NOT_FOUND), unlike delete's `entry not found`.
      if (isDatastoreError(err, 'ERR_ENTRY_NOT_FOUND')) return { status: statusOf(notFound('failed to update entry'), logger) };
      return { status: statusOf(isDatastoreError(err) ? withContext('failed to update entry', err) : err, logger) };
    }
  }

  async function deleteOne(id: string) {
    try {
      if (id === '') throw invalidArgument('missing entry ID');
      await ds.deleteEntry(id);
      return { status: okStatus(), id };
    } catch (err) {
      if (isDatastoreError(err, 'ERR_ENTRY_NOT_FOUND')) return { status: statusOf(notFound('entry not found'), logger), id };
      return { status: statusOf(isDatastoreError(err) ? withContext('failed to delete entry', err) : err, logger), id };
    }
  }

  return {
    async countEntries(req) {
      const filter = filterOf(req.filter);
      return { count: await ds.countEntries(filter) };
    },

    async listEntries(req) {
      if (req.pageSize < 0) throw invalidArgument(`page_size cannot be negative, got ${req.pageSize}`);
      const filter = filterOf(req.filter);
      const page = await ds.listEntries({ filter, pageSize: req.pageSize, pageToken: req.pageToken })
        .catch((err: unknown) => { throw withContext('failed to list entries', err); });
      return { entries: page.entries.map((e) => entryToProto(e, req.outputMask)), nextPageToken: page.nextPageToken };
    },

    async getEntry(req) {
      if (req.id === '') throw invalidArgument('missing ID');
      const entry = await ds.fetchEntry(req.id);
      if (entry === null) throw notFound('entry not found');
      return entryToProto(entry, req.outputMask);
    },

    async batchCreateEntry(req) {
      return { results: await createBatch(req) };
    },

    async batchUpdateEntry(req) {
      const results = [];
      for (const e of req.entries) results.push(await updateOne(e, req));
      return { results };
    },

    async batchDeleteEntry(req) {
      const results = [];
      for (const id of req.ids) results.push(await deleteOne(id));
      return { results };
    },

    getAuthorizedEntries: createGetAuthorizedEntries(deps),

    syncAuthorizedEntries: createSyncAuthorizedEntries(deps, options.syncPageSize),
  };
}

function filterOf(filter: entryv1.CountEntriesRequest_Filter | entryv1.ListEntriesRequest_Filter | undefined) {
  try {
    return entryFilterFromProto(filter);
  } catch (err) {
    throw invalidArgument('failed to build request filter', err);
  }
}
