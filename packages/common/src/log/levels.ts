/** Log level and format names as SPIRE (logrus) accepts them. */
import { TspireError } from '../errors/tspire-error.js';

/** logrus levels, most to least severe. */
export const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFormat = 'text' | 'json';

/** Numeric severities (pino's scale, with panic above fatal). */
export const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  panic: 70, fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10,
};

/**
 * logrus.ParseLevel: case-insensitive, `warning` is `warn`.
 * @example parseLogLevel('DEBUG') === 'debug'
 */
export function parseLogLevel(name: string): LogLevel {
  const lower = name.toLowerCase();
  const level = lower === 'warning' ? 'warn' : lower;
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new TspireError('ERR_CONFIG_INVALID_VALUE', `not a valid logrus Level: ${JSON.stringify(name)}`);
}

/** `text` or `json`, case-insensitive (SPIRE's log_format). */
export function parseLogFormat(name: string): LogFormat {
  const lower = name.toLowerCase();
  if (lower === 'text' || lower === 'json') return lower;
  throw new TspireError('ERR_CONFIG_INVALID_VALUE', `unknown log format: ${JSON.stringify(name)} (expected "text" or "json")`);
}

/** The name logrus prints for a level (`warning` for warn). */
export function printedLevel(level: LogLevel): string {
  return level === 'warn' ? 'warning' : level;
}
