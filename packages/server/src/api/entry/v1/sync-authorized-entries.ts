// Entry.SyncAuthorizedEntries (agent only, bidirectional), as SPIRE's agents drive it:
//   1. the first request carries the output mask (which must include revision_number) and no ids;
//   2. up to `pageSize` authorized entries: one response with the full entries (more = false),
//      and the exchange is over;
//   3. otherwise the entry revisions (id, revision_number, created_at) sorted by id, in pages
//      (more = true except on the last); the agent then asks for the entries it lacks with
//      requests carrying ids and gets them in pages (more = true except on the last; one empty
//      page when none is left) until it closes its side of the stream.
// Entries asked for by id are looked up when asked: one deleted or no longer authorized since
// the revisions were sent is left out.
import type { HandlerContext } from '@connectrpc/connect';
import type { entryv1, types } from '@tspire/proto';
import type { RegistrationEntry } from '../../../datastore/types.js';
import { entryToProto } from '../../convert/entry.js';
import type { ResolvedDeps } from '../../deps.js';
import { invalidArgument } from '../../errors.js';
import { agentEntriesContext } from './authorized-entries.js';

/** SPIRE's server default; agents infer the page size from the first revisions page. */
export const DEFAULT_SYNC_PAGE_SIZE = 500;

type SyncResponse = {
  entryRevisions?: { id: string; revisionNumber: bigint; createdAt: bigint }[];
  entries?: types.Entry[];
  more: boolean;
};

const byId = (a: RegistrationEntry, b: RegistrationEntry): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function* pages<T>(items: readonly T[], pageSize: number): Generator<{ page: T[]; more: boolean }> {
  if (items.length === 0) yield { page: [], more: false };
  for (let start = 0; start < items.length; start += pageSize) {
    yield { page: items.slice(start, start + pageSize), more: start + pageSize < items.length };
  }
}

export function createSyncAuthorizedEntries(deps: Pick<ResolvedDeps, 'agentApi'>, pageSize = DEFAULT_SYNC_PAGE_SIZE) {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`sync page size must be a positive integer, got ${pageSize}`);

  return async function* syncAuthorizedEntries(
    requests: AsyncIterable<entryv1.SyncAuthorizedEntriesRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<SyncResponse> {
    const { agentId, view } = agentEntriesContext(deps, ctx, 'SyncAuthorizedEntries');
    const incoming = requests[Symbol.asyncIterator]();
    const first = await incoming.next();
    if (first.done === true) return;
    const { outputMask, ids } = first.value;
    if (ids.length > 0) throw invalidArgument('specifying IDs on initial request is not supported');
    if (outputMask !== undefined && !outputMask.revisionNumber) throw invalidArgument('revision number is required on the output mask');
    const toProto = (entry: RegistrationEntry) => entryToProto(entry, outputMask);

    const entries = [...view.authorizedEntries(agentId)].sort(byId);
    if (entries.length <= pageSize) {
      yield { entries: entries.map(toProto), more: false };
      return;
    }
    for (const { page, more } of pages(entries, pageSize)) {
      yield {
        entryRevisions: page.map((e) => ({ id: e.id, revisionNumber: BigInt(e.revisionNumber), createdAt: BigInt(e.createdAt) })),
        more,
      };
    }
    for (let next = await incoming.next(); next.done !== true; next = await incoming.next()) {
      const wanted = [...new Set(next.value.ids)].sort();
      const found = wanted.flatMap((id) => view.authorizedEntry(agentId, id) ?? []);
      for (const { page, more } of pages(found, pageSize)) yield { entries: page.map(toProto), more };
    }
  };
}
