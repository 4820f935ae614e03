/**
 * A bidirectional call driven step by step: send, receive, and dispose. Requests go through a
 * queue the transport reads (the next request may depend on the last response).
 *
 * dispose() cancels a call that has not ended and then reads once more: connect only clears the
 * call's deadline timer when a read finishes or fails, so a call abandoned mid-stream would
 * otherwise keep a 30 s timer (and the process) alive.
 */
import { createRequestQueue } from './request-queue.js';

export type BidiCall<Req, Res> = (requests: AsyncIterable<Req>, options: { signal: AbortSignal }) => AsyncIterable<Res>;

export interface BidiStream<Req, Res> {
  send(message: Req): void;
  /** Half-closes the request side. */
  closeSend(): void;
  /** The next response, or undefined when the server ended the stream (with an OK status). */
  receive(): Promise<Res | undefined>;
  dispose(): Promise<void>;
}

export function openBidiStream<Req, Res>(call: BidiCall<Req, Res>): BidiStream<Req, Res> {
  const requests = createRequestQueue<Req>();
  const abort = new AbortController();
  const responses = call(requests, { signal: abort.signal })[Symbol.asyncIterator]();
  let ended = false;
  return {
    send: (message) => requests.push(message),
    closeSend: () => requests.close(),
    async receive() {
      if (ended) return undefined;
      try {
        const result = await responses.next();
        if (result.done === true) ended = true;
        return result.done === true ? undefined : result.value;
      } catch (err) {
        ended = true;
        throw err;
      }
    },
    async dispose() {
      requests.close();
      if (ended) return;
      ended = true;
      abort.abort();
      await responses.next().catch(() => undefined);
    },
  };
}
