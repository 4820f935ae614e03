// Typed datastore errors with literal codes, so callers narrow with `switch (err.code)`.
// The server maps them to gRPC status codes at one boundary (NotFound, AlreadyExists, ...).
import type { RegistrationEntry } from './types.js';

export const DATASTORE_ERROR_CODES = [
  'ERR_DATASTORE_NOT_FOUND',
  'ERR_ENTRY_NOT_FOUND',
  'ERR_DATASTORE_ALREADY_EXISTS',
  'ERR_DATASTORE_SIMILAR_ENTRY',
  'ERR_DATASTORE_FAILED_PRECONDITION',
  'ERR_DATASTORE_INVALID_ARGUMENT',
  'ERR_DATASTORE_UNAVAILABLE',
  'ERR_DATASTORE_SCHEMA_TOO_NEW',
  'ERR_DATASTORE_NOT_A_DATABASE',
  'ERR_DATASTORE_BAD_CONFIG',
] as const;

export type DatastoreErrorCode = (typeof DATASTORE_ERROR_CODES)[number];

/** A DatastoreError whose code is known to be C. */
export type DatastoreErrorOf<C extends DatastoreErrorCode> = DatastoreError & { readonly code: C };

/**
 * Any failure the datastore reports on purpose. Not generic, so `instanceof` narrows `code` to
 * the DatastoreErrorCode union (usable as a map key and in an exhaustive switch).
 * @example
 *   try { await ds.deleteEntry(id) } catch (e) {
 *     if (isDatastoreError(e, 'ERR_ENTRY_NOT_FOUND')) ...
 *   }
 */
export class DatastoreError extends Error {
  override readonly name: string = 'DatastoreError';
  readonly code: DatastoreErrorCode;

  constructor(code: DatastoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Creating an entry with the same spiffeId, parentId and selector set as an existing one.
 * Maps to AlreadyExists ("similar entry already exists"); carries the existing entry so the
 * API can return it, as SPIRE does.
 */
export class SimilarEntryError extends DatastoreError {
  override readonly name = 'SimilarEntryError';
  declare readonly code: 'ERR_DATASTORE_SIMILAR_ENTRY';
  readonly existing: RegistrationEntry;

  constructor(existing: RegistrationEntry) {
    super('ERR_DATASTORE_SIMILAR_ENTRY', 'similar entry already exists');
    this.existing = existing;
  }
}

export function isDatastoreError<C extends DatastoreErrorCode = DatastoreErrorCode>(
  err: unknown,
  code?: C,
): err is DatastoreErrorOf<C> {
  return err instanceof DatastoreError && (code === undefined || err.code === code);
}

function typed<C extends DatastoreErrorCode>(code: C, message: string): DatastoreErrorOf<C> {
  return new DatastoreError(code, message) as DatastoreErrorOf<C>;
}

export function notFound(what: string): DatastoreErrorOf<'ERR_DATASTORE_NOT_FOUND'> {
  return typed('ERR_DATASTORE_NOT_FOUND', `${what} not found`);
}

export function invalidArgument(message: string): DatastoreErrorOf<'ERR_DATASTORE_INVALID_ARGUMENT'> {
  return typed('ERR_DATASTORE_INVALID_ARGUMENT', message);
}

export function failedPrecondition(message: string): DatastoreErrorOf<'ERR_DATASTORE_FAILED_PRECONDITION'> {
  return typed('ERR_DATASTORE_FAILED_PRECONDITION', message);
}
