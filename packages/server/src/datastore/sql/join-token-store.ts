// Join tokens. consumeJoinToken is a single DELETE ... RETURNING statement: atomic on both
// backends, so of two servers (or connections) consuming one token exactly one gets the row.
// It deliberately runs without BEGIN so two handles on one SQLite file in one process cannot
// block each other's event loop.
import { DatastoreError, invalidArgument, notFound } from '../errors.js';
import type { JoinToken } from '../types.js';
import { isUniqueViolation, single, write, type SqlContext } from './context.js';

function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token === '') throw invalidArgument('missing join token');
  return token;
}

export async function createJoinToken(ctx: SqlContext, input: JoinToken): Promise<JoinToken> {
  const token = checkToken(input?.token);
  if (!Number.isSafeInteger(input.expiresAt) || input.expiresAt <= 0) {
    throw invalidArgument('join token expiresAt must be a positive integer');
  }
  return write(ctx, async (trx) => {
    try {
      await trx.insertInto('join_tokens').values({ token, expires_at: input.expiresAt, created_at: ctx.now() }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', 'join token already exists');
      throw err;
    }
    return { token, expiresAt: input.expiresAt };
  });
}

export async function fetchJoinToken(ctx: SqlContext, token: string): Promise<JoinToken | null> {
  checkToken(token);
  const row = await single(ctx, (db) =>
    db.selectFrom('join_tokens').select(['token', 'expires_at']).where('token', '=', token).executeTakeFirst());
  return row === undefined ? null : { token: row.token, expiresAt: Number(row.expires_at) };
}

export async function deleteJoinToken(ctx: SqlContext, token: string): Promise<void> {
  checkToken(token);
  const result = await single(ctx, (db) => db.deleteFrom('join_tokens').where('token', '=', token).executeTakeFirst());
  if (Number(result.numDeletedRows) === 0) throw notFound('join token');
}

export async function consumeJoinToken(ctx: SqlContext, token: string): Promise<JoinToken | null> {
  checkToken(token);
  const row = await single(ctx, (db) =>
    db.deleteFrom('join_tokens').where('token', '=', token).returning(['token', 'expires_at']).executeTakeFirst());
  return row === undefined ? null : { token: row.token, expiresAt: Number(row.expires_at) };
}

export async function pruneJoinTokens(ctx: SqlContext, expiresBefore: number): Promise<number> {
  if (!Number.isFinite(expiresBefore)) throw invalidArgument('expiresBefore must be a number');
  const result = await single(ctx, (db) => db.deleteFrom('join_tokens').where('expires_at', '<', expiresBefore).executeTakeFirst());
  return Number(result.numDeletedRows);
}
