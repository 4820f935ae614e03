export { nullLogger, type LogFields, type Logger } from './logger.js';
export { LOG_LEVELS, parseLogFormat, parseLogLevel, printedLevel, type LogFormat, type LogLevel } from './levels.js';
export { REDACTED, isSecretKey, isSecretValue, redactFields } from './redact.js';
export { formatTextLine, formatTextValue } from './text-format.js';
export { createLogger, type CreateLoggerOptions, type ManagedLogger } from './create-logger.js';
export { createCapturingLogger, type CapturingLogger, type LogEntry } from './capturing-logger.js';
