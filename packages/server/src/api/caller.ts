// Who is calling. Each listener puts a CallerContext into connect's context values; the
// authorization interceptor and handlers read it back. The admin UNIX socket makes every caller
// `local`; the TCP listener sets `tls` with the remote address and, when the client presented a
// certificate that verified against the bundle of its trust domain, the peer's SVID facts.
import { createContextKey, type ContextValues } from '@connectrpc/connect';

/** Facts of a verified client X509-SVID (the only source of a TCP caller's identity). */
export interface TlsPeer {
  /** URI SAN of the leaf, canonical `spiffe://td/path`. */
  spiffeId: string;
  /** Leaf serial number in decimal, as attested-node records store it. */
  serialNumber: string;
  /** Leaf notAfter, unix seconds. */
  notAfter: number;
}

export type CallerContext =
  | { kind: 'local' }
  /** `peer` is absent when the client sent no certificate (AttestAgent, GetBundle). */
  | { kind: 'tls'; remoteAddress: string; peer?: TlsPeer }
  /** no listener said who it is: authorized for nothing but public RPCs (fail closed) */
  | { kind: 'unknown' };

export const callerKey = createContextKey<CallerContext>({ kind: 'unknown' }, { description: 'tspire caller' });

export function callerOf(values: ContextValues): CallerContext {
  return values.get(callerKey);
}

export const localCaller: CallerContext = { kind: 'local' };

/** The verified SPIFFE ID of a TLS caller, if any. */
export function callerSpiffeId(caller: CallerContext): string | undefined {
  return caller.kind === 'tls' ? caller.peer?.spiffeId : undefined;
}
