// Change feeds for the server's authorized-entries cache: every create/update/delete of an
// entry (or node) appends an event row in the SAME transaction as the change, so a consumer
// that has seen event N has seen every change committed with an id <= N ... almost:
//
// GAP CAVEAT (for the consumer, built later). Event ids come from an AUTOINCREMENT (SQLite) or
// IDENTITY sequence (PostgreSQL). On PostgreSQL several servers (or several pool connections)
// take sequence values before they commit, and they may commit in a different order: a reader
// can see events 10 and 12 while 11 is still in flight (or was rolled back and will never
// appear). A consumer that simply remembers "last id = 12" would miss 11 forever. So:
//   - remember the last id seen, and every id skipped below it (the gaps), with the time first
//     noticed;
//   - on each poll, list events > last id and also re-check the skipped ids; drop a skipped id
//     once it shows up or once it is older than a grace period (rolled-back transactions leave
//     permanent holes), after which a periodic full reload covers anything missed;
//   - prune events only well after the grace period (pruneEntryEvents(olderThanSeconds)).
// SQLite writers are serialised (BEGIN IMMEDIATE), so ids commit in order there, but the same
// consumer logic is correct for both.
import type { EntryEvent, ListEventsRequest, NodeEvent } from '../types.js';
import { invalidArgument } from '../errors.js';
import { single, type Db, type SqlContext } from './context.js';

export async function appendEntryEvent(trx: Db, entryId: string, now: number): Promise<void> {
  await trx.insertInto('registered_entries_events').values({ entry_id: entryId, created_at: now }).execute();
}

export async function appendEntryEvents(trx: Db, entryIds: readonly string[], now: number): Promise<void> {
  if (entryIds.length === 0) return;
  for (let i = 0; i < entryIds.length; i += 500) {
    const values = entryIds.slice(i, i + 500).map((entry_id) => ({ entry_id, created_at: now }));
    await trx.insertInto('registered_entries_events').values(values).execute();
  }
}

export async function appendNodeEvent(trx: Db, spiffeId: string, now: number): Promise<void> {
  await trx.insertInto('attested_node_events').values({ spiffe_id: spiffeId, created_at: now }).execute();
}

export async function appendNodeEvents(trx: Db, spiffeIds: readonly string[], now: number): Promise<void> {
  for (let i = 0; i < spiffeIds.length; i += 500) {
    const values = spiffeIds.slice(i, i + 500).map((spiffe_id) => ({ spiffe_id, created_at: now }));
    await trx.insertInto('attested_node_events').values(values).execute();
  }
}

function eventBounds(request: ListEventsRequest | undefined): { after: number; before: number | undefined } {
  const after = request?.greaterThanEventId ?? 0;
  const before = request?.lessThanEventId;
  if (!Number.isSafeInteger(after) || after < 0) throw invalidArgument('greaterThanEventId must be a non-negative integer');
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 0)) {
    throw invalidArgument('lessThanEventId must be a non-negative integer');
  }
  return { after, before };
}

export async function listEntryEvents(ctx: SqlContext, request?: ListEventsRequest): Promise<EntryEvent[]> {
  const { after, before } = eventBounds(request);
  const rows = await single(ctx, (db) => {
    let q = db.selectFrom('registered_entries_events').select(['id', 'entry_id']).where('id', '>', after);
    if (before !== undefined) q = q.where('id', '<', before);
    return q.orderBy('id').execute();
  });
  return rows.map((r) => ({ eventId: Number(r.id), entryId: r.entry_id }));
}

export async function listNodeEvents(ctx: SqlContext, request?: ListEventsRequest): Promise<NodeEvent[]> {
  const { after, before } = eventBounds(request);
  const rows = await single(ctx, (db) => {
    let q = db.selectFrom('attested_node_events').select(['id', 'spiffe_id']).where('id', '>', after);
    if (before !== undefined) q = q.where('id', '<', before);
    return q.orderBy('id').execute();
  });
  return rows.map((r) => ({ eventId: Number(r.id), spiffeId: r.spiffe_id }));
}

function cutoff(ctx: SqlContext, olderThanSeconds: number): number {
  if (!Number.isFinite(olderThanSeconds) || olderThanSeconds < 0) {
    throw invalidArgument('olderThanSeconds must be a non-negative number');
  }
  return ctx.now() - olderThanSeconds;
}

export async function pruneEntryEvents(ctx: SqlContext, olderThanSeconds: number): Promise<number> {
  const before = cutoff(ctx, olderThanSeconds);
  const result = await single(ctx, (db) =>
    db.deleteFrom('registered_entries_events').where('created_at', '<', before).executeTakeFirst());
  return Number(result.numDeletedRows);
}

export async function pruneNodeEvents(ctx: SqlContext, olderThanSeconds: number): Promise<number> {
  const before = cutoff(ctx, olderThanSeconds);
  const result = await single(ctx, (db) =>
    db.deleteFrom('attested_node_events').where('created_at', '<', before).executeTakeFirst());
  return Number(result.numDeletedRows);
}
