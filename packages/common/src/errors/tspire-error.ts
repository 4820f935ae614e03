/**
 * TspireError: the one typed error of the server, agent and CLIs. Its literal `code` narrows in
 * a `switch`, and maps to a gRPC status through the registry at the RPC boundary.
 */
import type { ErrorCode } from './registry.js';

/**
 * @example
 * throw new TspireError('ERR_ENTRY_NOT_FOUND', 'entry not found');
 * try { ... } catch (err) {
 *   if (isTspireError(err, 'ERR_CONFIG_UNKNOWN_KEYS')) { ... }
 * }
 */
export class TspireError<C extends ErrorCode = ErrorCode> extends Error {
  override name = 'TspireError';
  readonly code: C;

  /** `cause` is for logs: it reaches a client only when it is itself a typed error (see toConnectError). */
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `err` is a TspireError (optionally with the given code). */
export function isTspireError<C extends ErrorCode>(err: unknown, code?: C): err is TspireError<C> {
  return err instanceof TspireError && (code === undefined || err.code === code);
}
