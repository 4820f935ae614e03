/**
 * What every live source shares: the client (given, or made from clientOptions and then owned),
 * its watches, the wait for the first update of each (bounded by timeoutMs), update and error
 * listeners, and close(). The sources (X509Source, JwtSource, BundleSource) only say what to
 * watch and what to keep.
 */
import { nullLogger, systemClock, type Clock, type Logger } from '@tspire/common';
import { createWorkloadApiClient, type WorkloadApiClientOptions } from '../client/client.js';
import type { CallOptions, Watcher, WorkloadApiClient } from '../client/types.js';
import { WorkloadError } from '../errors.js';

/**
 * Options every source takes.
 * @example await X509Source.create({ clientOptions: { address: 'unix:///run/spire/api.sock' }, timeoutMs: 10_000 });
 */
export interface SourceOptions {
  /** A client to use; the source does not close it. */
  readonly client?: WorkloadApiClient;
  /** Options for a client the source creates (and closes with itself); ignored when `client` is given. */
  readonly clientOptions?: WorkloadApiClientOptions;
  /** How long create() waits for the first update; default 30 000 ms (`Infinity` waits forever). */
  readonly timeoutMs?: number;
  /** Times the create() timeout and JWT-SVID cache ages; default the system clock (also passed to a created client). */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * Stops a listener; calling it again does nothing.
 * @example const stop: Unsubscribe = source.onUpdate(reload); stop();
 */
export type Unsubscribe = () => void;

/**
 * How long a source's create() waits for its first update unless told otherwise.
 * @example await X509Source.create({ timeoutMs: 2 * DEFAULT_SOURCE_TIMEOUT_MS });
 */
export const DEFAULT_SOURCE_TIMEOUT_MS = 30_000;

/** A set of listeners. */
export class Listeners<T> {
  readonly #callbacks = new Set<(value: T) => void>();

  constructor(private readonly logger: Logger) {}

  add(callback: (value: T) => void): Unsubscribe {
    const entry = (value: T) => callback(value);
    this.#callbacks.add(entry);
    return () => void this.#callbacks.delete(entry);
  }

  emit(value: T): void {
    for (const callback of [...this.#callbacks]) {
      try {
        callback(value);
      } catch (err) {
        this.logger.warn('source listener threw', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}

export class SourceRuntime {
  readonly client: WorkloadApiClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly errors: Listeners<Error>;
  readonly #name: string;
  readonly #ownsClient: boolean;
  readonly #abort = new AbortController();
  readonly #watches: Promise<void>[] = [];
  readonly #firsts: Promise<void>[] = [];
  #lastError: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(name: string, options: SourceOptions) {
    this.#name = name;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? nullLogger).child({ source: name });
    this.errors = new Listeners<Error>(this.logger);
    if (options.client !== undefined) {
      this.client = options.client;
      this.#ownsClient = false;
    } else {
      const clientOptions = options.clientOptions ?? {};
      this.client = createWorkloadApiClient({ clock: this.clock, logger: this.logger, ...clientOptions });
      this.#ownsClient = true;
    }
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Throws ERR_WORKLOAD_CLOSED once the source is closed. */
  checkOpen(what: string): void {
    if (this.closed) throw new WorkloadError('ERR_WORKLOAD_CLOSED', `${this.#name}.${what}: the source is closed`);
  }

  /** Starts a watch whose updates go to `apply`; its first update counts towards ready(). */
  watch<T>(start: (watcher: Watcher<T>, options: CallOptions) => Promise<void>, apply: (value: T) => void): void {
    let markFirst!: () => void;
    let failFirst!: (err: Error) => void;
    const first = new Promise<void>((resolve, reject) => {
      markFirst = resolve;
      failFirst = reject;
    });
    first.catch(() => undefined); // observed through ready()
    const watcher: Watcher<T> = {
      onUpdate: (value) => {
        apply(value);
        markFirst();
      },
      onError: (err) => this.#reportError(err),
    };
    const running = start(watcher, { signal: this.#abort.signal }).catch((err: unknown) => {
      // A watch that stops on its own (INVALID_ARGUMENT) fails the source's startup, or is reported.
      const error = err instanceof Error ? err : new Error(String(err));
      this.#reportError(error);
      failFirst(error);
    });
    this.#watches.push(running);
    this.#firsts.push(first);
  }

  /**
   * Resolves once every watch delivered its first update. On timeout or a watch that gave up,
   * closes the source and rejects (ERR_WORKLOAD_SOURCE_TIMEOUT names the last error seen).
   */
  async ready(timeoutMs: number = DEFAULT_SOURCE_TIMEOUT_MS): Promise<void> {
    if (!(timeoutMs > 0)) throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', `${this.#name}: timeoutMs must be a positive number, got ${timeoutMs}`);
    let cancelTimer: (() => void) | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      cancelTimer = this.clock.after(timeoutMs, () => {
        const last = this.#lastError === undefined ? 'none' : this.#lastError.message;
        reject(new WorkloadError('ERR_WORKLOAD_SOURCE_TIMEOUT', `${this.#name}: no update from the Workload API within ${timeoutMs} ms (last error: ${last})`, { cause: this.#lastError }));
      });
    });
    try {
      await Promise.race([Promise.all(this.#firsts), timedOut]);
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      cancelTimer?.();
    }
  }

  /** Ends the watches (and the owned client); resolves when they have stopped. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      await Promise.all(this.#watches);
      if (this.#ownsClient) this.client.close();
    })();
    return this.#closing;
  }

  #reportError(err: Error): void {
    this.#lastError = err;
    this.logger.debug('Workload API watch error', { error: err.message });
    this.errors.emit(err);
  }
}
