// Typed datastore errors with literal codes, so callers narrow with `switch (err.code)`.
// They are TspireErrors: the codes below are registered (with their gRPC status) in
// @tspire/common's registry, and the API maps them at its one boundary.
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes, type CommonErrorCode } from '@tspire/common';
import type { RegistrationEntry } from './types.js';

/** The datastore codes @tspire/server owns: gRPC status and meaning (listed in docs/errors.md). */
export const datastoreErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_DATASTORE_NOT_FOUND: { grpc: Code.NotFound, description: 'the requested record (bundle, agent, join token, ...) does not exist' },
  ERR_DATASTORE_ALREADY_EXISTS: { grpc: Code.AlreadyExists, description: 'a record with the same key already exists' },
  ERR_DATASTORE_SIMILAR_ENTRY: { grpc: Code.AlreadyExists, description: 'an entry with the same SPIFFE ID, parent ID and selectors already exists' },
  ERR_DATASTORE_FAILED_PRECONDITION: { grpc: Code.FailedPrecondition, description: 'the stored data does not allow the operation (e.g. an unreadable stored bundle)' },
  ERR_DATASTORE_INVALID_ARGUMENT: { grpc: Code.InvalidArgument, description: 'a value given to the datastore is missing or malformed' },
  ERR_DATASTORE_BAD_CONFIG: { grpc: Code.InvalidArgument, description: 'the datastore configuration (plugin data, connection_string) is invalid' },
} as const);

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<keyof typeof datastoreErrorCodes, true> {}
}

/** The datastore also raises @tspire/common's entry and datastore codes. */
export type DatastoreErrorCode =
  | keyof typeof datastoreErrorCodes
  | Extract<CommonErrorCode, 'ERR_ENTRY_NOT_FOUND' | 'ERR_DATASTORE_UNAVAILABLE' | 'ERR_DATASTORE_SCHEMA_TOO_NEW' | 'ERR_DATASTORE_NOT_A_DATABASE'>;

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
export class DatastoreError extends TspireError<DatastoreErrorCode> {
  override readonly name: string = 'DatastoreError';
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
