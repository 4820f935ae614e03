/** A Logger for tests: keeps every entry (already redacted, like the real one) in memory. */
import type { LogLevel } from './levels.js';
import type { LogFields, Logger } from './logger.js';
import { redactFields } from './redact.js';

export interface LogEntry {
  readonly level: Extract<LogLevel, 'debug' | 'info' | 'warn' | 'error'>;
  readonly msg: string;
  /** Child bindings merged with the call's fields, redacted. */
  readonly fields: Record<string, unknown>;
}

export interface CapturingLogger extends Logger {
  /** Every entry written through this logger or its children, in order. */
  readonly entries: LogEntry[];
  /** Entries whose message contains `text`. */
  find(text: string): LogEntry[];
  clear(): void;
}

/**
 * @example
 * const logger = createCapturingLogger();
 * await service.run({ logger });
 * assert.equal(logger.find('Bundle refreshed').length, 1);
 */
export function createCapturingLogger(): CapturingLogger {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (level: LogEntry['level']) => (msg: string, fields?: LogFields) => {
      entries.push({ level, msg, fields: { ...bindings, ...redactFields(fields) } });
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (fields) => make({ ...bindings, ...redactFields(fields) }),
    };
  };
  return {
    ...make({}),
    entries,
    find: (text) => entries.filter((e) => e.msg.includes(text)),
    clear: () => {
      entries.length = 0;
    },
  };
}
