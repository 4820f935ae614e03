// The logging surface the datastore needs: the same shape as @tspire/common's Logger, so the
// server passes its logger as is.

export interface DatastoreLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export const silentLogger: DatastoreLogger = {
  debug() {},
  info() {},
  warn() {},
};
