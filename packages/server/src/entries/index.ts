// Public surface of the authorized-entries cache.
export {
  createAuthorizedEntriesCache,
  type AuthorizedEntriesCache,
  type AuthorizedEntriesCacheOptions,
  type AuthorizedEntriesCacheStats,
  type CacheDatastore,
} from './authorized-entries-cache.js';
export { EntryIndex, selectorKey } from './entry-index.js';
export { EventCursor, type AcceptResult, type EventCursorOptions, type EventRange } from './event-cursor.js';
export { EntriesError, entriesErrorCodes, type EntriesErrorCode } from './errors.js';
