/**
 * Typed errors of the authorized-entries cache, registered (with their gRPC status) in
 * @tspire/common's registry so the API boundary maps them like every other code.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the cache can throw: gRPC status and meaning (listed in docs/errors.md). */
export const entriesErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_ENTRIES_CACHE_NOT_READY: {
    grpc: Code.Unavailable,
    description: 'the authorized-entries cache was read before its first load finished (or after it was closed)',
  },
} as const);

export type EntriesErrorCode = keyof typeof entriesErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<EntriesErrorCode, true> {}
}

/**
 * @example
 * try { cache.authorizedEntries(agentId) } catch (err) {
 *   if (err instanceof EntriesError && err.code === 'ERR_ENTRIES_CACHE_NOT_READY') { ... }
 * }
 */
export class EntriesError<C extends EntriesErrorCode = EntriesErrorCode> extends TspireError<C> {
  override readonly name = 'EntriesError';
}
