/**
 * Shared by `x509 mint` and `jwt mint`: the -spiffeID check, -ttl as whole seconds (rounded up
 * as SPIRE does), the warning when the server capped the lifetime, and writing output files
 * with exact permissions.
 */
import { writeFileAtomic } from '@tspire/common';
import { SpiffeId } from '@tspire/spiffe';
import { goQuote } from '../output/go-quote.js';
import { CliError } from '../output/rpc-error.js';
import { formatRfc3339Utc } from '../output/rfc3339.js';
import { spiffeIdErrorMessage, toInt32 } from './parse-helpers.js';

/** The required -spiffeID flag, parsed. */
export function requireSpiffeId(text: string): SpiffeId {
  if (text === '') throw new CliError('spiffeID must be specified');
  try {
    return SpiffeId.parse(text);
  } catch (err) {
    throw new CliError(spiffeIdErrorMessage(text, err)); // go-spiffe's words, as SPIRE prints them
  }
}

/** A -ttl duration (milliseconds) as the API's int32 seconds, rounded up; 0 = server default. */
export function ttlToSeconds(ttlMs: number): number {
  if (ttlMs < 0) throw new CliError('invalid value for TTL: must not be negative');
  return toInt32(Math.ceil(ttlMs / 1000), 'TTL');
}

/**
 * The stderr line SPIRE prints when the SVID ends sooner than -ttl asked for, or undefined.
 * @example cappedWarning('X509-SVID', 1704164645n, 3_600_000, now)
 */
export function cappedWarning(kind: string, expiresAt: bigint | number, ttlMs: number, now: Date): string | undefined {
  if (Number(expiresAt) * 1000 - now.getTime() >= ttlMs) return undefined;
  return `${kind} lifetime was capped shorter than specified ttl; expires ${goQuote(formatRfc3339Utc(expiresAt))}\n`;
}

/** Writes a whole file with the given permission bits. */
export type ModeFileWriter = (path: string, data: string, mode: number) => Promise<void>;

/** Writes durably and atomically (temp file with the mode, fsync, rename): a reader never sees half a key. */
export const writeFileWithMode: ModeFileWriter = (path, data, mode) => writeFileAtomic(path, data, { mode });

/** Go's `*fs.PathError` text for a failed write: `open <path>: <reason>`. */
export function describeWriteError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? (err instanceof Error ? err.message : String(err));
  return `open ${path}: ${reason}`;
}
