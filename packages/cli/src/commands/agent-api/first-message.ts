/**
 * The first message of a server stream (what Go's `stream.Recv()` returns once), then the
 * stream is cancelled.
 */
/** `open` starts the stream with the given signal; an empty stream reads as Go's io.EOF. */
export async function firstMessage<T>(open: (signal: AbortSignal) => AsyncIterable<T>): Promise<T> {
  const abort = new AbortController();
  try {
    for await (const message of open(abort.signal)) return message;
    // Go's io.EOF, printed bare.
    throw new Error('EOF');
  } finally {
    abort.abort();
  }
}
