/**
 * The agent side of Entry.SyncAuthorizedEntries (SPIRE 1.x), incremental:
 * 1. send the output mask (no ids);
 * 2. a first response without `entry_revisions` holds the whole authorized set (read on while
 *    `more`); otherwise revision pages follow (`more` until the last), whose length gives the
 *    page size;
 * 3. entries that are new, changed (other revision) or recreated (other created_at) are asked
 *    for by id, sorted, in requests of at most one page; each request is answered by entry
 *    pages (`more` until the last);
 * 4. the agent closes its side.
 * Unchanged entries are taken from the agent's cache. An entry the server reports with an
 * OLDER revision than the cached one (a server whose cache lags) is kept as cached ("stale").
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { entryv1, types } from '@tspire/proto';
import { AgentError } from '../errors.js';
import { openBidiStream, type BidiCall } from './bidi-stream.js';

type SyncRequest = MessageInitShape<typeof entryv1.SyncAuthorizedEntriesRequestSchema>;
type SyncResponse = entryv1.SyncAuthorizedEntriesResponse;
export type SyncCall = BidiCall<SyncRequest, SyncResponse>;

/** The fields the SPIRE agent asks for (no parent ID, TTLs, DNS names or expiry). */
export const AGENT_ENTRY_OUTPUT_MASK: MessageInitShape<typeof types.EntryMaskSchema> = {
  spiffeId: true,
  selectors: true,
  federatesWith: true,
  admin: true,
  downstream: true,
  revisionNumber: true,
  storeSvid: true,
  hint: true,
  createdAt: true,
  additionalAttributes: true,
};

export interface SyncStats {
  /** authorized entries after the sync */
  total: number;
  /** entries the cache did not have */
  missing: number;
  /** cached entries the server has a newer revision (or a new created_at) of */
  outdated: number;
  /** cached entries the server reported with an older revision (kept as cached) */
  stale: number;
  /** entries received in full from the server */
  fetched: number;
}

export interface SyncResult {
  /** The complete authorized set: fresh entries from the server, unchanged ones from the cache. */
  entries: types.Entry[];
  stats: SyncStats;
  /** Page size inferred from the first revisions page; undefined when the server sent everything at once. */
  pageSize: number | undefined;
}

/** Runs one sync over `call`; `cached` are the entries the agent holds (with revision numbers). */
export async function syncAuthorizedEntries(call: SyncCall, cached: Iterable<types.Entry> = []): Promise<SyncResult> {
  const cache = new Map<string, types.Entry>();
  for (const entry of cached) cache.set(entry.id, entry);
  const stream = openBidiStream(call);
  const next = async (what: string): Promise<SyncResponse> => {
    const response = await stream.receive();
    if (response === undefined) throw badResponse(`the stream ended while waiting for ${what}`);
    return response;
  };
  try {
    stream.send({ outputMask: AGENT_ENTRY_OUTPUT_MASK });
    const first = await next('the first response');
    const result = first.entryRevisions.length === 0 ? await readFullSet(first, next) : await readByRevisions(first, cache, next, stream.send);
    stream.closeSend();
    if ((await stream.receive()) !== undefined) throw badResponse('a response after the last requested page');
    return result;
  } finally {
    await stream.dispose();
  }
}

async function readFullSet(first: SyncResponse, next: (what: string) => Promise<SyncResponse>): Promise<SyncResult> {
  const entries = [...first.entries];
  for (let page = first; page.more; ) {
    page = await next('the next entries page');
    if (page.entryRevisions.length > 0) throw badResponse('revisions after a full entries page');
    entries.push(...page.entries);
  }
  requireIds(entries);
  return { entries, stats: { total: entries.length, missing: entries.length, outdated: 0, stale: 0, fetched: entries.length }, pageSize: undefined };
}

async function readByRevisions(
  first: SyncResponse,
  cache: ReadonlyMap<string, types.Entry>,
  next: (what: string) => Promise<SyncResponse>,
  send: (request: SyncRequest) => void,
): Promise<SyncResult> {
  const pageSize = first.entryRevisions.length;
  const stats: SyncStats = { total: 0, missing: 0, outdated: 0, stale: 0, fetched: 0 };
  const kept = new Map<string, types.Entry>();
  const needed = new Set<string>();
  for (let page = first; ; page = await next('the next revisions page')) {
    if (page.entries.length > 0) throw badResponse('entries mixed into a revisions page');
    for (const revision of page.entryRevisions) classify(revision, cache, kept, needed, stats);
    if (!page.more) break;
  }
  const fetched = new Map<string, types.Entry>();
  const ids = [...needed].sort();
  for (let start = 0; start < ids.length; start += pageSize) {
    const chunk = ids.slice(start, start + pageSize);
    send({ ids: chunk });
    const asked = new Set(chunk);
    for (let page = await next('entries for the requested ids'); ; page = await next('the next entries page')) {
      for (const entry of page.entries) {
        if (!asked.has(entry.id)) throw badResponse(`entry "${entry.id}" was not requested`);
        fetched.set(entry.id, entry);
      }
      if (!page.more) break;
    }
  }
  stats.fetched = fetched.size;
  const entries = [...kept.values(), ...fetched.values()];
  stats.total = entries.length;
  return { entries, stats, pageSize };
}

function classify(
  revision: entryv1.EntryRevision,
  cache: ReadonlyMap<string, types.Entry>,
  kept: Map<string, types.Entry>,
  needed: Set<string>,
  stats: SyncStats,
): void {
  if (revision.id === '') throw badResponse('an entry revision without an ID');
  if (kept.has(revision.id) || needed.has(revision.id)) throw badResponse(`entry "${revision.id}" listed twice`);
  const cachedEntry = cache.get(revision.id);
  if (cachedEntry === undefined) {
    stats.missing++;
    needed.add(revision.id);
  } else if (recreated(cachedEntry, revision) || revision.revisionNumber > cachedEntry.revisionNumber) {
    stats.outdated++;
    needed.add(revision.id);
  } else {
    if (revision.revisionNumber < cachedEntry.revisionNumber) stats.stale++;
    kept.set(revision.id, cachedEntry);
  }
}

/** Deleted and created again under the same ID: revision numbers start over. */
function recreated(cachedEntry: types.Entry, revision: entryv1.EntryRevision): boolean {
  return cachedEntry.createdAt !== 0n && revision.createdAt !== 0n && cachedEntry.createdAt !== revision.createdAt;
}

function requireIds(entries: readonly types.Entry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.id === '') throw badResponse('an entry without an ID');
    if (seen.has(entry.id)) throw badResponse(`entry "${entry.id}" listed twice`);
    seen.add(entry.id);
  }
}

function badResponse(what: string): AgentError {
  return new AgentError('ERR_AGENT_BAD_SERVER_RESPONSE', `SyncAuthorizedEntries: ${what}`);
}
