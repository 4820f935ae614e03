/**
 * The logging interface every package receives (only the CLI builds a real one). Fields are
 * structured key/values; secrets in them are redacted by every implementation here.
 */

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * @example
 * const log = deps.logger.child({ subsystem_name: 'ca_manager' });
 * log.info('X509 CA prepared', { slot: 'A', expiration: notAfter.toISOString() });
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

/** Discards everything: the default when a caller injects no logger. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};
