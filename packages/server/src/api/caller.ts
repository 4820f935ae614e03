// Who is calling. Each listener puts a CallerContext into connect's context values; the
// authorization interceptor and handlers read it back. The admin UNIX socket makes every caller
// `local`; the TCP listener (next issue) will set `tls` with the peer's SPIFFE ID.
import { createContextKey, type ContextValues } from '@connectrpc/connect';

export type CallerContext =
  | { kind: 'local' }
  | { kind: 'tls'; spiffeId?: string }
  /** no listener said who it is: authorized for nothing but public RPCs (fail closed) */
  | { kind: 'unknown' };

export const callerKey = createContextKey<CallerContext>({ kind: 'unknown' }, { description: 'tspire caller' });

export function callerOf(values: ContextValues): CallerContext {
  return values.get(callerKey);
}

export const localCaller: CallerContext = { kind: 'local' };
