/**
 * Turns a WorkloadIdentitySource subscription into the sequence of states a Workload API stream
 * sends: the current state at once, then the latest state after each change. Every message is
 * full state, so changes that arrive while the consumer is busy collapse into one re-read.
 */
import type { Selector, WorkloadIdentitySource, WorkloadUpdate } from './identity-source.js';

/**
 * Yields `source.matchingIdentities(selectors)` now and again after every change notification,
 * until `signal` (the call) or `stopSignal` (the endpoint shutting down) aborts; then it returns.
 * Two signals rather than one combined: a combining AbortController per stream costs more than
 * the stream's own work on a short-lived connection. Subscribes before the first read, so no change is
 * missed, and unsubscribes however the iteration ends.
 * @example
 * for await (const update of watchUpdates(source, selectors, ctx.signal)) send(compose(update));
 */
export async function* watchUpdates(
  source: WorkloadIdentitySource,
  selectors: readonly Selector[],
  signal: AbortSignal,
  stopSignal?: AbortSignal,
): AsyncGenerator<WorkloadUpdate, void, undefined> {
  let changed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = source.subscribe(selectors, () => {
    changed = true;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  const stopped = (): boolean => signal.aborted || stopSignal?.aborted === true;
  signal.addEventListener('abort', onAbort);
  stopSignal?.addEventListener('abort', onAbort);
  try {
    while (!stopped()) {
      // Cleared before the read: a change during the read or while the consumer handles the
      // state is caught by the next turn.
      changed = false;
      yield source.matchingIdentities(selectors);
      if (!changed && !stopped()) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    stopSignal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
