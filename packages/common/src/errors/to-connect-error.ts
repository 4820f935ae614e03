/**
 * The one boundary where our errors become gRPC statuses. What reaches a client:
 * - ConnectError: unchanged (a handler already chose code and message).
 * - TspireError: its registered gRPC code and its own message. A typed cause (TspireError,
 *   SpiffeError, ConnectError) is appended as `<msg>: <cause>` like SPIRE does, except for
 *   NotFound, PermissionDenied, Unauthenticated and Internal, which never reveal more than their
 *   message (the cause is logged). Untyped causes (driver errors, bugs) are logged, never sent.
 * - SpiffeError: InvalidArgument with its message (the reason the input is bad).
 * - Anything else: Internal with a generic message; the original is logged.
 * A boundary may list registered codes it treats as "anything else" (`unexpectedCodes`), e.g.
 * startup-only failures whose messages name files or hosts.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { SpiffeError } from '@tspire/spiffe';
import type { Logger } from '../log/logger.js';
import { nullLogger } from '../log/logger.js';
import type { ErrorCode } from './registry.js';
import { errorCodeInfo } from './registry.js';
import { TspireError } from './tspire-error.js';

/** The message a client sees for any failure we did not anticipate. */
export const GENERIC_INTERNAL_MESSAGE = 'internal error';

const CONCEALING_CODES: ReadonlySet<Code> = new Set([Code.NotFound, Code.PermissionDenied, Code.Unauthenticated, Code.Internal]);

export interface ToConnectErrorOptions {
  /** Receives the details that are not sent to the client. */
  readonly logger?: Pick<Logger, 'error'>;
  /**
   * Registered codes this boundary treats like untyped errors (Internal, generic message,
   * logged; as a cause: logged, not appended). For codes that may only occur outside a request.
   */
  readonly unexpectedCodes?: ReadonlySet<ErrorCode>;
}

/**
 * @example
 * try { return await handler(req) } catch (err) { throw toConnectError(err, { logger }) }
 */
export function toConnectError(err: unknown, options: ToConnectErrorOptions = {}): ConnectError {
  const logger = options.logger ?? nullLogger;
  if (err instanceof ConnectError) return err;
  if (err instanceof SpiffeError) return new ConnectError(err.message, Code.InvalidArgument, undefined, undefined, err);
  if (err instanceof TspireError && options.unexpectedCodes?.has(err.code) !== true) return fromTspireError(err, logger, options);
  logger.error('Unexpected error serving a request', describeUnknown(err));
  return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal, undefined, undefined, err);
}

/**
 * The gRPC code toConnectError gives a typed error, or undefined for anything it treats as
 * unexpected. Lets a handler wrap a cause in an error of the same status.
 * @example new ApiError(apiCodeFor(grpcCodeOf(cause) ?? Code.Internal), 'failed to list', { cause })
 */
export function grpcCodeOf(err: unknown, options: Pick<ToConnectErrorOptions, 'unexpectedCodes'> = {}): Code | undefined {
  if (err instanceof ConnectError) return err.code;
  if (err instanceof SpiffeError) return Code.InvalidArgument;
  if (err instanceof TspireError && options.unexpectedCodes?.has(err.code) !== true) return errorCodeInfo(err.code)?.grpc;
  return undefined;
}

function fromTspireError(err: TspireError, logger: Pick<Logger, 'error'>, options: ToConnectErrorOptions): ConnectError {
  const info = errorCodeInfo(err.code);
  if (info === undefined) {
    logger.error('Error with an unregistered code', { code: err.code, ...describeUnknown(err) });
    return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal, undefined, undefined, err);
  }
  const cause = err.cause;
  let message = err.message;
  if (cause !== undefined) {
    const typedCause = grpcCodeOf(cause, options) === undefined ? undefined : typedMessage(cause);
    if (typedCause !== undefined && !CONCEALING_CODES.has(info.grpc)) {
      message = `${message}: ${typedCause}`;
    } else if (typedCause === undefined || info.grpc === Code.Internal) {
      logger.error(err.message, { code: err.code, ...describeUnknown(cause) });
    }
  }
  return new ConnectError(message, info.grpc, undefined, undefined, err);
}

/** The client-safe message of a typed error, or undefined for anything else. */
function typedMessage(cause: unknown): string | undefined {
  if (cause instanceof ConnectError) return cause.rawMessage;
  if (cause instanceof TspireError || cause instanceof SpiffeError) return cause.message;
  return undefined;
}

function describeUnknown(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, stack: err.stack };
  return { error: String(err) };
}
