// The logging surface the datastore needs; pino loggers satisfy it.

export interface DatastoreLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: DatastoreLogger = {
  debug() {},
  info() {},
  warn() {},
};
