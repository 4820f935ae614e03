/**
 * The reconnecting loop behind every watch*: open the stream, deliver each message as an update,
 * and when the stream fails or ends, report it and reopen after a backoff delay (reset by any
 * message, as go-spiffe). A message that does not parse is reported and skipped; the stream and
 * the last good value stay (go-spiffe does the same). INVALID_ARGUMENT stops the watch (the
 * standard says not to retry it); abort and close end it quietly.
 */
import type { Backoff, Clock, Logger } from '@tspire/common';
import { WorkloadError } from '../errors.js';
import { isFatalForWatch, toWorkloadError, type CallState } from './rpc-error.js';
import type { Watcher } from './types.js';

export interface WatchLoop<M, T> {
  /** The RPC name, for messages. */
  readonly rpc: string;
  /** Opens one stream attempt; it must end when `signal` aborts. */
  readonly open: (signal: AbortSignal) => AsyncIterable<M>;
  readonly parse: (message: M) => T;
  readonly watcher: Watcher<T>;
  /** Aborts when the caller's signal aborts or the client closes. */
  readonly signal: AbortSignal;
  readonly state: CallState;
  readonly clock: Clock;
  readonly backoff: Backoff;
  readonly logger: Logger;
}

/**
 * Runs until aborted (resolves) or a non-retryable status (rejects with it).
 * @example await runWatch({ rpc: 'FetchX509SVID', open, parse, watcher, signal, state, clock, backoff, logger });
 */
export async function runWatch<M, T>(loop: WatchLoop<M, T>): Promise<void> {
  while (!loop.signal.aborted) {
    const failure = await runOneStream(loop);
    if (loop.signal.aborted) return;
    if (isFatalForWatch(failure)) throw failure;
    report(loop, failure);
    const delayMs = loop.backoff.next();
    loop.logger.debug('Workload API stream failed; retrying', { rpc: loop.rpc, retry_in_ms: delayMs, error: failure.message });
    try {
      await loop.clock.sleep(delayMs, loop.signal);
    } catch {
      return; // aborted while waiting
    }
  }
}

/** One stream attempt; resolves with why it stopped. */
async function runOneStream<M, T>(loop: WatchLoop<M, T>): Promise<WorkloadError> {
  const attempt = new AbortController();
  const signal = AbortSignal.any([loop.signal, attempt.signal]);
  try {
    for await (const message of loop.open(signal)) {
      loop.backoff.reset();
      deliver(loop, message);
    }
    return new WorkloadError('ERR_WORKLOAD_API_UNAVAILABLE', `${loop.rpc}: the Workload API ended the stream`);
  } catch (err) {
    return toWorkloadError(err, loop.rpc, loop.state);
  } finally {
    attempt.abort();
  }
}

function deliver<M, T>(loop: WatchLoop<M, T>, message: M): void {
  let value: T;
  try {
    value = loop.parse(message);
  } catch (err) {
    report(loop, toWorkloadError(err, loop.rpc, loop.state));
    return;
  }
  try {
    loop.watcher.onUpdate(value);
  } catch (err) {
    // A throwing listener must not tear down the stream every other listener relies on.
    loop.logger.warn('Workload API watcher threw on update', { rpc: loop.rpc, error: err instanceof Error ? err.message : String(err) });
  }
}

function report<M, T>(loop: WatchLoop<M, T>, err: WorkloadError): void {
  try {
    loop.watcher.onError?.(err);
  } catch (thrown) {
    loop.logger.warn('Workload API watcher threw on error', { rpc: loop.rpc, error: thrown instanceof Error ? thrown.message : String(thrown) });
  }
}
