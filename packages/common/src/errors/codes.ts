/**
 * The error codes owned by @tspire/common: configuration (HCL, values, flags) and the general
 * codes the server and agent map to gRPC statuses. Every code here is listed in docs/errors.md
 * under "## @tspire/common"; errors-doc.test.ts keeps the two in step.
 */
import { Code } from '@connectrpc/connect';

/** What a registered code means and which gRPC status it becomes at the RPC boundary. */
export interface ErrorCodeInfo {
  readonly grpc: Code;
  readonly description: string;
}

/** A package's table of codes: code -> { grpc, description }. */
export type ErrorCodeTable = Readonly<Record<string, ErrorCodeInfo>>;

export const commonErrorCodes = {
  // Configuration: files, values, command-line flags.
  ERR_CONFIG_HCL_SYNTAX: { grpc: Code.InvalidArgument, description: 'the HCL or JSON configuration text is malformed' },
  ERR_CONFIG_INVALID_VALUE: { grpc: Code.InvalidArgument, description: 'a configuration value has the wrong type or an invalid form' },
  ERR_CONFIG_UNKNOWN_KEYS: { grpc: Code.InvalidArgument, description: 'the configuration has keys no known setting uses' },
  ERR_CONFIG_INVALID_DURATION: { grpc: Code.InvalidArgument, description: 'a duration is not in Go syntax (e.g. "1h30m", "90s")' },
  ERR_CONFIG_FLAG_UNDEFINED: { grpc: Code.InvalidArgument, description: 'a command-line flag was given that the command does not define' },
  ERR_CONFIG_FLAG_NEEDS_ARGUMENT: { grpc: Code.InvalidArgument, description: 'a command-line flag that takes a value was given none' },
  ERR_CONFIG_FLAG_INVALID_VALUE: { grpc: Code.InvalidArgument, description: 'a command-line flag value does not parse as the flag type' },
  ERR_CONFIG_FLAG_SYNTAX: { grpc: Code.InvalidArgument, description: 'a command-line argument is not valid flag syntax (e.g. "---x", "-=x")' },
  ERR_CONFIG_FLAG_HELP: { grpc: Code.InvalidArgument, description: '-h or -help was given: the caller should print usage' },
  // General codes for API handlers.
  ERR_INVALID_ARGUMENT: { grpc: Code.InvalidArgument, description: 'a request field is missing or malformed' },
  ERR_NOT_FOUND: { grpc: Code.NotFound, description: 'the requested object does not exist' },
  ERR_ENTRY_NOT_FOUND: { grpc: Code.NotFound, description: 'the registration entry does not exist' },
  ERR_ALREADY_EXISTS: { grpc: Code.AlreadyExists, description: 'an object with the same identity already exists' },
  ERR_PERMISSION_DENIED: { grpc: Code.PermissionDenied, description: 'the caller is not authorized for this operation' },
  ERR_UNAUTHENTICATED: { grpc: Code.Unauthenticated, description: 'the caller presented no valid credentials' },
  ERR_FAILED_PRECONDITION: { grpc: Code.FailedPrecondition, description: 'the system is not in a state that allows the operation' },
  ERR_UNAVAILABLE: { grpc: Code.Unavailable, description: 'a dependency is temporarily unavailable; retry later' },
  ERR_RESOURCE_EXHAUSTED: { grpc: Code.ResourceExhausted, description: 'a rate limit or quota was exceeded' },
  ERR_INTERNAL: { grpc: Code.Internal, description: 'an unexpected internal failure' },
  ERR_UNIMPLEMENTED: { grpc: Code.Unimplemented, description: 'the operation is not implemented' },
  // Datastore.
  ERR_DATASTORE_UNAVAILABLE: { grpc: Code.Unavailable, description: 'the datastore cannot be reached' },
  ERR_DATASTORE_SCHEMA_TOO_NEW: { grpc: Code.FailedPrecondition, description: 'the database schema is newer than this server supports' },
  ERR_DATASTORE_NOT_A_DATABASE: { grpc: Code.FailedPrecondition, description: 'the datastore file is not a database of the expected type' },
} as const satisfies ErrorCodeTable;

export type CommonErrorCode = keyof typeof commonErrorCodes;
