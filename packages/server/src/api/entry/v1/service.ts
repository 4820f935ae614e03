// spire.api.server.entry.v1.Entry: the admin RPCs over registration entries.
import type { ServiceImpl } from '@connectrpc/connect';
import { entryv1 } from '@tspire/proto';
import { SimilarEntryError, isDatastoreError } from '../../../datastore/errors.js';
import type { RegistrationEntry } from '../../../datastore/types.js';
import { entryFieldsFromMask, entryFromProto, entryToProto } from '../../convert/entry.js';
import { entryFilterFromProto } from '../../convert/entry-filter.js';
import { resolveDeps, type ApiDeps } from '../../deps.js';
import { ApiError, invalidArgument, notFound, okStatus, statusOf, unimplemented, withContext } from '../../errors.js';

export function createEntryService(apiDeps: ApiDeps): ServiceImpl<typeof entryv1.Entry> {
  const { datastore: ds, trustDomain: td, logger } = resolveDeps(apiDeps);

  function convert(e: Parameters<typeof entryFromProto>[0], options: Parameters<typeof entryFromProto>[2]): RegistrationEntry {
    try {
      return entryFromProto(e, td, options);
    } catch (err) {
      throw invalidArgument('failed to convert entry', err);
    }
  }

  async function createOne(e: entryv1.BatchCreateEntryRequest['entries'][number], req: entryv1.BatchCreateEntryRequest) {
    try {
      const entry = convert(e, {});
      const { revisionNumber: _revision, createdAt: _created, ...input } = entry;
      const created = await ds.createEntry(input);
      return { status: okStatus(), entry: entryToProto(created, req.outputMask) };
    } catch (err) {
      if (err instanceof SimilarEntryError) {
        return {
          status: statusOf(new ApiError('ERR_API_ALREADY_EXISTS', 'similar entry already exists'), logger),
          entry: entryToProto(err.existing, req.outputMask),
        };
      }
      return { status: statusOf(isDatastoreError(err) ? withContext('failed to create entry', err) : err, logger) };
    }
  }

  async function updateOne(e: entryv1.BatchUpdateEntryRequest['entries'][number], req: entryv1.BatchUpdateEntryRequest) {
    try {
      const fields = entryFieldsFromMask(req.inputMask);
      const entry = convert(e, { fields, requireId: true });
      const updated = await ds.updateEntry(entry, fields);
      return { status: okStatus(), entry: entryToProto(updated, req.outputMask) };
    } catch (err) {
      if (isDatastoreError(err, 'ERR_ENTRY_NOT_FOUND')) return { status: statusOf(notFound('entry not found'), logger) };
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
      const results = [];
      // Sequential on purpose: the similar-entry check of item N must see items < N.
      for (const e of req.entries) results.push(await createOne(e, req));
      return { results };
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

    getAuthorizedEntries() {
      throw unimplemented('GetAuthorizedEntries');
    },

    // eslint-disable-next-line require-yield -- not served until the agent-facing API lands
    async *syncAuthorizedEntries() {
      throw unimplemented('SyncAuthorizedEntries');
    },
  };
}

function filterOf(filter: entryv1.CountEntriesRequest_Filter | entryv1.ListEntriesRequest_Filter | undefined) {
  try {
    return entryFilterFromProto(filter);
  } catch (err) {
    throw invalidArgument('failed to build request filter', err);
  }
}
