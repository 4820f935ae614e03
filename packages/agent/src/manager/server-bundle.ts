/** Converts the server's `spire.api.types.Bundle` into a SpiffeBundle (fail closed on bad keys). */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import type { types } from '@tspire/proto';
import { SpiffeBundle, type TrustDomain } from '@tspire/spiffe';
import { AgentError } from '../errors.js';

export interface ServerBundleOptions {
  /** Names the call in errors; default GetBundle. */
  rpc?: string;
  /** Whether a bundle without X.509 authority is refused; default true (the own bundle). A federated bundle may hold JWT keys only. */
  requireX509?: boolean;
}

/**
 * @example const bundle = spiffeBundleFromServer(td, await client.getBundle());
 * @throws AgentError ERR_AGENT_BAD_SERVER_RESPONSE for another trust domain, no X.509 authority or an unparsable key.
 */
export function spiffeBundleFromServer(trustDomain: TrustDomain, bundle: types.Bundle, options: ServerBundleOptions = {}): SpiffeBundle {
  const rpc = options.rpc ?? 'GetBundle';
  if (bundle.trustDomain !== '' && bundle.trustDomain !== trustDomain.name) {
    throw badBundle(rpc, `the bundle is for trust domain "${bundle.trustDomain}", not "${trustDomain.name}"`);
  }
  if (bundle.x509Authorities.length === 0 && (options.requireX509 ?? true)) throw badBundle(rpc, 'the bundle has no X.509 authority');
  const x509Authorities = bundle.x509Authorities.map((authority, i) => {
    try {
      return new X509Certificate(authority.asn1);
    } catch (err) {
      throw badBundle(rpc, `X.509 authority ${i} is not a DER certificate`, err);
    }
  });
  const jwtAuthorities: [string, KeyObject][] = bundle.jwtAuthorities.map((key) => {
    try {
      return [key.keyId, createPublicKey({ key: Buffer.from(key.publicKey), format: 'der', type: 'spki' })];
    } catch (err) {
      throw badBundle(rpc, `JWT authority "${key.keyId}" is not a DER public key`, err);
    }
  });
  const init = { x509Authorities, jwtAuthorities, ...(bundle.refreshHint > 0n ? { refreshHint: Number(bundle.refreshHint) } : {}) };
  const result = new SpiffeBundle(trustDomain, init);
  if (bundle.sequenceNumber > 0n) result.sequenceNumber = bundle.sequenceNumber;
  return result;
}

function badBundle(rpc: string, message: string, cause?: unknown): AgentError {
  return new AgentError('ERR_AGENT_BAD_SERVER_RESPONSE', `${rpc}: ${message}`, cause === undefined ? undefined : { cause });
}
