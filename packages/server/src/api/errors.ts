// The API's typed errors and the ONE boundary where any failure becomes a gRPC status. The
// mapping itself is @tspire/common's toConnectError (registry code -> gRPC; typed causes appended
// except for NotFound/PermissionDenied/Unauthenticated/Internal; untyped causes logged, never sent).
import { Code, type ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { TspireError, grpcCodeOf, registerErrorCodes, toConnectError as toConnectErrorWith, type ErrorCode } from '@tspire/common';
import type { ApiLogger } from './deps.js';

export { GENERIC_INTERNAL_MESSAGE } from '@tspire/common';

/** Every code an API handler throws: gRPC status and meaning (listed in docs/errors.md). */
export const apiErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_API_INVALID_ARGUMENT: { grpc: Code.InvalidArgument, description: 'a request field is missing or malformed; the message names it' },
  ERR_API_NOT_FOUND: { grpc: Code.NotFound, description: 'the requested object does not exist; the message names only its kind' },
  ERR_API_ALREADY_EXISTS: { grpc: Code.AlreadyExists, description: 'the object (bundle, similar entry) already exists' },
  ERR_API_FAILED_PRECONDITION: { grpc: Code.FailedPrecondition, description: 'the server state does not allow the request' },
  ERR_API_PERMISSION_DENIED: { grpc: Code.PermissionDenied, description: 'the caller is not authorized for the method' },
  ERR_API_UNIMPLEMENTED: { grpc: Code.Unimplemented, description: 'the RPC is not implemented by this server' },
  ERR_API_UNAVAILABLE: { grpc: Code.Unavailable, description: 'a dependency (datastore, CA) is temporarily unavailable' },
  ERR_API_INTERNAL: { grpc: Code.Internal, description: 'the request failed unexpectedly; details go to the log only' },
} as const);

export type ApiErrorCode = keyof typeof apiErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<ApiErrorCode, true> {}
}

/**
 * Codes raised only while the server starts (opening and configuring the datastore): their
 * messages name files and hosts, so if one surfaces in a request the client sees only Internal.
 */
const STARTUP_ONLY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_DATASTORE_SCHEMA_TOO_NEW',
  'ERR_DATASTORE_NOT_A_DATABASE',
  'ERR_DATASTORE_BAD_CONFIG',
]);

/**
 * @example
 * throw new ApiError('ERR_API_INVALID_ARGUMENT', 'failed to convert entry', { cause: spiffeError });
 * // client sees: InvalidArgument "failed to convert entry: <spiffeError.message>"
 */
export class ApiError<C extends ApiErrorCode = ApiErrorCode> extends TspireError<C> {
  override readonly name = 'ApiError';
}

export const invalidArgument = (message: string, cause?: unknown): ApiError<'ERR_API_INVALID_ARGUMENT'> =>
  new ApiError('ERR_API_INVALID_ARGUMENT', message, cause === undefined ? undefined : { cause });

export const notFound = (message: string): ApiError<'ERR_API_NOT_FOUND'> => new ApiError('ERR_API_NOT_FOUND', message);

export const unimplemented = (method: string): ApiError<'ERR_API_UNIMPLEMENTED'> =>
  new ApiError('ERR_API_UNIMPLEMENTED', `${method} is not implemented`);

const codeToApiCode = new Map<Code, ApiErrorCode>(
  (Object.entries(apiErrorCodes) as [ApiErrorCode, { grpc: Code }][]).map(([name, info]) => [info.grpc, name]),
);

/**
 * `<message>` with the gRPC code of `cause` (Internal when the cause is untyped); the cause's
 * message is appended by toConnectError unless the code conceals it.
 * @example throw withContext('failed to create entry', datastoreError)
 */
export function withContext(message: string, cause: unknown): ApiError {
  const inner = grpcCodeOf(cause, { unexpectedCodes: STARTUP_ONLY_CODES });
  const code = inner === undefined ? 'ERR_API_INTERNAL' : codeToApiCode.get(inner) ?? 'ERR_API_INTERNAL';
  return new ApiError(code, message, { cause });
}

/** `<message>` as Internal whatever `cause` is; the cause is logged, never sent. */
export const internal = (message: string, cause: unknown): ApiError<'ERR_API_INTERNAL'> =>
  new ApiError('ERR_API_INTERNAL', message, { cause });

/** Maps any error to a ConnectError with @tspire/common's toConnectError (see the header). */
export function toConnectError(err: unknown, logger: ApiLogger): ConnectError {
  return toConnectErrorWith(err, { logger, unexpectedCodes: STARTUP_ONLY_CODES });
}

/** A per-item batch result status; OK results use code 0 and message "OK" (as SPIRE). */
export function statusOf(err: unknown, logger: ApiLogger): types.Status {
  const connectError = toConnectError(err, logger);
  return create(types.StatusSchema, { code: connectError.code, message: connectError.rawMessage });
}

export function okStatus(): types.Status {
  return create(types.StatusSchema, { code: 0, message: 'OK' });
}
