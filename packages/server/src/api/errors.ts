// The API's typed errors and the ONE boundary where any failure becomes a gRPC status.
// @tspire/common's registry (TspireError/toConnectError) is not exported yet, so this module
// keeps the API's own codes; the shape (literal codes, typed cause appended except for
// NotFound/PermissionDenied, untyped causes logged and never sent) follows common's design.
import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { SpiffeError } from '@tspire/spiffe';
import { DatastoreError, type DatastoreErrorCode } from '../datastore/errors.js';
import type { ApiLogger } from './deps.js';

/** Every code an API handler throws, with the gRPC status it maps to. */
export const apiErrorCodes = {
  ERR_API_INVALID_ARGUMENT: Code.InvalidArgument,
  ERR_API_NOT_FOUND: Code.NotFound,
  ERR_API_ALREADY_EXISTS: Code.AlreadyExists,
  ERR_API_FAILED_PRECONDITION: Code.FailedPrecondition,
  ERR_API_PERMISSION_DENIED: Code.PermissionDenied,
  ERR_API_UNIMPLEMENTED: Code.Unimplemented,
  ERR_API_UNAVAILABLE: Code.Unavailable,
  ERR_API_INTERNAL: Code.Internal,
} as const;

export type ApiErrorCode = keyof typeof apiErrorCodes;

/** Datastore codes -> gRPC; anything unlisted is Internal (logged, never sent). */
const datastoreCodes: Partial<Record<DatastoreErrorCode, Code>> = {
  ERR_DATASTORE_NOT_FOUND: Code.NotFound,
  ERR_ENTRY_NOT_FOUND: Code.NotFound,
  ERR_DATASTORE_ALREADY_EXISTS: Code.AlreadyExists,
  ERR_DATASTORE_SIMILAR_ENTRY: Code.AlreadyExists,
  ERR_DATASTORE_FAILED_PRECONDITION: Code.FailedPrecondition,
  ERR_DATASTORE_INVALID_ARGUMENT: Code.InvalidArgument,
  ERR_DATASTORE_UNAVAILABLE: Code.Unavailable,
};

/**
 * @example
 * throw new ApiError('ERR_API_INVALID_ARGUMENT', 'failed to convert entry', { cause: spiffeError });
 * // client sees: InvalidArgument "failed to convert entry: <spiffeError.message>"
 */
export class ApiError<C extends ApiErrorCode = ApiErrorCode> extends Error {
  override readonly name = 'ApiError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export const invalidArgument = (message: string, cause?: unknown): ApiError<'ERR_API_INVALID_ARGUMENT'> =>
  new ApiError('ERR_API_INVALID_ARGUMENT', message, cause === undefined ? undefined : { cause });

export const notFound = (message: string): ApiError<'ERR_API_NOT_FOUND'> => new ApiError('ERR_API_NOT_FOUND', message);

export const unimplemented = (method: string): ApiError<'ERR_API_UNIMPLEMENTED'> =>
  new ApiError('ERR_API_UNIMPLEMENTED', `${method} is not implemented`);

const codeToApiCode = new Map<Code, ApiErrorCode>(
  (Object.entries(apiErrorCodes) as [ApiErrorCode, Code][]).map(([name, code]) => [code, name]),
);

/**
 * `<message>` with the gRPC code of `cause` (Internal when the cause is untyped); the cause's
 * message is appended by toConnectError unless the code conceals it.
 * @example throw withContext('failed to create entry', datastoreError)
 */
export function withContext(message: string, cause: unknown): ApiError {
  const inner = typedStatus(cause);
  const code = inner === undefined ? 'ERR_API_INTERNAL' : codeToApiCode.get(inner.code) ?? 'ERR_API_INTERNAL';
  return new ApiError(code, message, { cause });
}

/** The message a client sees for any failure we did not anticipate. */
export const GENERIC_INTERNAL_MESSAGE = 'internal error';

const CONCEALING: ReadonlySet<Code> = new Set([Code.NotFound, Code.PermissionDenied, Code.Unauthenticated]);

/** The gRPC code and client-safe message of a typed error; undefined for anything else. */
function typedStatus(err: unknown): { code: Code; message: string } | undefined {
  if (err instanceof ConnectError) return { code: err.code, message: err.rawMessage };
  if (err instanceof SpiffeError) return { code: Code.InvalidArgument, message: err.message };
  if (err instanceof ApiError) return { code: apiErrorCodes[err.code as ApiErrorCode], message: err.message };
  if (err instanceof DatastoreError) {
    const code = datastoreCodes[err.code];
    return code === undefined ? undefined : { code, message: err.message };
  }
  return undefined;
}

/**
 * Maps any error to a ConnectError. ApiError messages get their typed cause appended as
 * `<msg>: <cause>` (SPIRE's shape) unless the code conceals; untyped causes and unexpected
 * errors are logged with details and the client sees only our own words.
 */
export function toConnectError(err: unknown, logger: ApiLogger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof ApiError) {
    const code = apiErrorCodes[err.code as ApiErrorCode];
    let message = err.message;
    if (err.cause !== undefined) {
      const inner = typedStatus(err.cause);
      if (inner === undefined) logger.error(err.message, describe(err.cause));
      else if (!CONCEALING.has(code) && code !== Code.Internal) message = `${message}: ${inner.message}`;
    }
    if (code === Code.Internal && err.cause === undefined) logger.error(err.message, {});
    return new ConnectError(message, code, undefined, undefined, err);
  }
  const typed = typedStatus(err);
  if (typed !== undefined) {
    // A bare NotFound from below names the record kind only ("entry not found"), never a query.
    return new ConnectError(typed.message, typed.code, undefined, undefined, err);
  }
  logger.error('unexpected error serving a request', describe(err));
  return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal, undefined, undefined, err);
}

/** A per-item batch result status; OK results use code 0 and message "OK" (as SPIRE). */
export function statusOf(err: unknown, logger: ApiLogger): types.Status {
  const connectError = toConnectError(err, logger);
  return create(types.StatusSchema, { code: connectError.code, message: connectError.rawMessage });
}

export function okStatus(): types.Status {
  return create(types.StatusSchema, { code: 0, message: 'OK' });
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, name: err.name, stack: err.stack };
  return { error: String(err) };
}
