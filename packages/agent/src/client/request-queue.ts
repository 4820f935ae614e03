/**
 * The request side of a bidirectional stream whose next message depends on the last response
 * (AttestAgent challenges, SyncAuthorizedEntries id requests): an AsyncIterable the transport
 * reads while the caller pushes messages and finally closes it.
 */
export interface RequestQueue<T> extends AsyncIterable<T> {
  push(message: T): void;
  /** Ends the request stream (half-close); later pushes are refused. Idempotent. */
  close(): void;
}

export function createRequestQueue<T>(): RequestQueue<T> {
  const pending: T[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  return {
    push(message) {
      if (closed) throw new Error('cannot send on a request stream that is already closed');
      pending.push(message);
      notify();
    },
    close() {
      closed = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (pending.length > 0) {
          yield pending.shift()!;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
