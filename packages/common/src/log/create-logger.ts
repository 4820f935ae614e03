/**
 * The real logger, backed by pino. Output follows SPIRE (logrus): `text` lines such as
 * `time="2024-01-01T00:00:00Z" level=info msg="Starting" subsystem_name=ca` or one JSON object
 * per line; `level` values are logrus names (`warning`, not `warn`). Times are RFC 3339 in UTC
 * from the injected clock. `file` appends (log_file); otherwise lines go to stderr.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/clock.js';
import { LEVEL_VALUES, parseLogFormat, parseLogLevel, printedLevel, type LogLevel } from './levels.js';
import type { LogFields, Logger } from './logger.js';
import { redactFields } from './redact.js';
import { formatTextLine } from './text-format.js';

export interface CreateLoggerOptions {
  /** logrus level name, case-insensitive (default info). */
  readonly level?: string;
  /** `text` (default) or `json`, case-insensitive. */
  readonly format?: string;
  /** Append to this file instead of writing to stderr. */
  readonly file?: string;
  /** Where lines go instead (tests); overrides `file`. */
  readonly destination?: DestinationStream;
  readonly clock?: Clock;
}

/** A logger the composition root controls: level changes (Logger API), log rotation, shutdown. */
export interface ManagedLogger extends Logger {
  level(): LogLevel;
  /** Accepts logrus names, case-insensitive. */
  setLevel(level: string): void;
  /** Reopens `file` (after rotation; SPIRE does this on SIGUSR2). No-op for other outputs. */
  reopen(): void;
  /** Flushes and closes the file, if any. */
  close(): void;
}

/** logrus prefixes fields that clash with its own keys with `fields.`. */
const RESERVED = new Set(['time', 'level', 'msg']);

function prepare(fields: LogFields | undefined): Record<string, unknown> {
  const safe = redactFields(fields);
  for (const key of Object.keys(safe)) {
    if (!RESERVED.has(key)) continue;
    safe[`fields.${key}`] = safe[key];
    delete safe[key];
  }
  return safe;
}

class PinoBackedLogger implements Logger {
  constructor(protected readonly out: PinoLogger<'panic'>) {}

  // Fields are redacted only for lines the level lets through: a debug line on a hot path (one
  // per closed connection) then costs a level check at info.
  debug(msg: string, fields?: LogFields): void {
    if (this.out.isLevelEnabled('debug')) this.out.debug(prepare(fields), msg);
  }
  info(msg: string, fields?: LogFields): void {
    if (this.out.isLevelEnabled('info')) this.out.info(prepare(fields), msg);
  }
  warn(msg: string, fields?: LogFields): void {
    this.out.warn(prepare(fields), msg);
  }
  error(msg: string, fields?: LogFields): void {
    this.out.error(prepare(fields), msg);
  }
  child(fields: LogFields): Logger {
    return new PinoBackedLogger(this.out.child(prepare(fields)));
  }
}

class RootLogger extends PinoBackedLogger implements ManagedLogger {
  constructor(out: PinoLogger<'panic'>, private readonly file: { reopen(): void; flushSync(): void; end(): void } | undefined) {
    super(out);
  }
  level(): LogLevel {
    return this.out.level as LogLevel;
  }
  setLevel(level: string): void {
    this.out.level = parseLogLevel(level);
  }
  reopen(): void {
    this.file?.reopen();
  }
  close(): void {
    if (this.file === undefined) return;
    this.file.flushSync();
    this.file.end();
  }
}

/** Re-renders pino's JSON lines as logrus text lines. */
function textDestination(target: DestinationStream): DestinationStream {
  return { write: (line: string) => target.write(formatTextLine(JSON.parse(line) as Record<string, unknown>)) };
}

/**
 * @example
 * const logger = createLogger({ level: config.log_level, format: config.log_format, file: config.log_file });
 * logger.info('Starting Server', { version: '1.15.3' });
 */
export function createLogger(options: CreateLoggerOptions = {}): ManagedLogger {
  const level = parseLogLevel(options.level ?? 'info');
  const format = parseLogFormat(options.format ?? 'text');
  const clock = options.clock ?? systemClock;
  const file = options.destination === undefined && options.file !== undefined
    ? pino.destination({ dest: options.file, append: true, sync: true, mkdir: false })
    : undefined;
  const target: DestinationStream = options.destination ?? file ?? pino.destination({ dest: 2, sync: true });
  const out = pino<'panic'>(
    {
      level,
      customLevels: { panic: LEVEL_VALUES.panic },
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"time":"${clock.now().toISOString().replace(/\.\d+Z$/, 'Z')}"`,
      formatters: { level: (label) => ({ level: printedLevel(label as LogLevel) }) },
    },
    format === 'text' ? textDestination(target) : target,
  );
  return new RootLogger(out, file);
}
