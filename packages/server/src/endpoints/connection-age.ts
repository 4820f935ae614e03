// gRPC's MaxConnectionAge, which SPIRE sets to 3 minutes on its TCP endpoint: a connection
// older than that gets a graceful GOAWAY (streams in flight finish, new calls go to a new
// connection), so agents behind a load balancer spread over the servers and re-handshake
// (a revoked or rotated client certificate is looked at again).
import type { Http2Session } from 'node:http2';
import type { Clock } from '@tspire/common';

export const DEFAULT_MAX_CONNECTION_AGE_MS = 3 * 60_000;

/**
 * Closes `session` gracefully `maxAgeMs` after now; the timer goes away with the session.
 * @example limitConnectionAge(session, clock, DEFAULT_MAX_CONNECTION_AGE_MS);
 */
export function limitConnectionAge(session: Http2Session, clock: Pick<Clock, 'after'>, maxAgeMs: number): void {
  const cancel = clock.after(maxAgeMs, () => {
    // close() sends GOAWAY and destroys the session once its last stream ends.
    if (!session.closed && !session.destroyed) session.close();
  });
  session.once('close', cancel);
}
