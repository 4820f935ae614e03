/**
 * Turns a WorkloadIdentitySource subscription into the sequence of states a Workload API stream
 * sends: the current state at once, then the latest state after each change. Every message is
 * full state, so changes that arrive while the consumer is busy collapse into one re-read.
 */
import type { Selector, WorkloadIdentitySource, WorkloadUpdate } from './identity-source.js';

/**
 * Yields `source.matchingIdentities(selectors)` now and again after every change notification,
 * until `signal` aborts (then it returns). Subscribes before the first read, so no change is
 * missed, and unsubscribes however the iteration ends.
 * @example
 * for await (const update of watchUpdates(source, selectors, ctx.signal)) send(compose(update));
 */
export async function* watchUpdates(
  source: WorkloadIdentitySource,
  selectors: readonly Selector[],
  signal: AbortSignal,
): AsyncGenerator<WorkloadUpdate, void, undefined> {
  let changed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = source.subscribe(selectors, () => {
    changed = true;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      // Cleared before the read: a change during the read or while the consumer handles the
      // state is caught by the next turn.
      changed = false;
      yield source.matchingIdentities(selectors);
      if (!changed && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
