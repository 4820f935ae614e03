/**
 * Errors the way SPIRE's Go CLI prints them: gRPC failures as
 * `rpc error: code = NotFound desc = entry not found`, everything else by its message.
 */
import { ConnectError } from '@connectrpc/connect';

/** An error whose message is printed as is after `Error: ` (client-side validation, etc.). */
export class CliError extends Error {
  override name = 'CliError';
}

const GO_CODE_NAMES: readonly string[] = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

/** Go's `codes.Code.String()`: `NotFound`, or `Code(99)` for unknown values. */
export function goCodeName(code: number): string {
  return GO_CODE_NAMES[code] ?? `Code(${code})`;
}

/** The text Go's `err.Error()` would give for an error from an RPC or from the CLI itself. */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) {
    return `rpc error: code = ${goCodeName(err.code)} desc = ${err.rawMessage}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Prefixes the description of `err`, as Go's `fmt.Errorf("context: %w", err)`. */
export function wrapError(context: string, err: unknown): CliError {
  return new CliError(`${context}: ${describeError(err)}`);
}
