/**
 * Small helpers over the raw (position-carrying) values of a daemon config file (server.conf,
 * agent.conf) and for reporting errors at the place a key was written.
 */
import { isAbsolute, resolve } from 'node:path';
import { positionOf, type PlainObject, type SourcePosition } from '../../hcl/index.js';
import { ConfigError } from '../config-error.js';

/** How a documented SPIRE setting tspire does not act on is reported. */
export const IGNORED_SETTING = 'not supported by tspire, ignored';

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A block value as written; JSON configs may wrap a block in a one-element list. */
export function rawBlock(value: unknown): PlainObject | undefined {
  if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return value[0];
  return isPlainObject(value) ? value : undefined;
}

/** Where `key` of a raw block was written, if known. */
export function positionIn(container: PlainObject | undefined, key: string): SourcePosition | undefined {
  return container === undefined ? undefined : positionOf(container, key);
}

/** Throws a ConfigError for `path`, located at `container[key]` when that is known. */
export function failConfigKey(path: string, reason: string, container?: PlainObject, key?: string): never {
  throw new ConfigError(path, reason, key === undefined ? undefined : positionIn(container, key));
}

/** A path written in the config, made absolute against the working directory. */
export function absolutePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** A port number 0-65535 (0: any free port). */
export function checkPort(value: number, path: string, container?: PlainObject, key?: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65535) failConfigKey(path, `port must be between 0 and 65535, got ${value}`, container, key);
  return value;
}
