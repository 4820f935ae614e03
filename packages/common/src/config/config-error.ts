/** Errors from decoding config values: they name the key path and, when known, the place. */
import { TspireError } from '../errors/tspire-error.js';
import { formatPosition, type SourcePosition } from '../hcl/errors.js';

/**
 * A value of the wrong type or form.
 * @example err.message === 'server.bind_port: expected an integer, got "abc" (at server.conf:4:5)'
 */
export class ConfigError extends TspireError<'ERR_CONFIG_INVALID_VALUE'> {
  override name = 'ConfigError';
  /** Dotted key path, e.g. `server.federation.federates_with.td.bundle_endpoint_url`. */
  readonly path: string;
  readonly position: SourcePosition | undefined;
  /** The message without path and position. */
  readonly reason: string;

  constructor(path: string, reason: string, position?: SourcePosition, options?: { cause?: unknown }) {
    const where = position === undefined ? '' : ` (at ${formatPosition(position)})`;
    super('ERR_CONFIG_INVALID_VALUE', `${path === '' ? '' : `${path}: `}${reason}${where}`, options);
    this.path = path;
    this.position = position;
    this.reason = reason;
  }
}

/** A key no schema knew. */
export interface UnknownKey {
  readonly path: string;
  readonly position: SourcePosition | undefined;
}

/** SPIRE refuses to start on unknown keys; this is the error it reports. */
export class UnknownKeysError extends TspireError<'ERR_CONFIG_UNKNOWN_KEYS'> {
  override name = 'UnknownKeysError';
  readonly keys: readonly UnknownKey[];

  constructor(keys: readonly UnknownKey[]) {
    super('ERR_CONFIG_UNKNOWN_KEYS', `unknown configuration detected: ${keys.map((k) => k.path).join(', ')}`);
    this.keys = keys;
  }
}
