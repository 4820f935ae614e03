import { SpiffeId, type TrustDomain } from '@tspire/spiffe';
import { CaError } from './errors.js';

/**
 * Validates an SVID's SPIFFE ID: well-formed, in `trustDomain`, with a non-root path.
 * Returns the canonical text.
 */
export function checkSvidId(text: string, trustDomain: TrustDomain, kind: 'X509-SVID' | 'JWT-SVID'): string {
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(text);
  } catch (err) {
    throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `invalid ${kind} SPIFFE ID ${JSON.stringify(String(text).slice(0, 256))}: ${(err as Error).message}`, { cause: err });
  }
  if (!id.memberOf(trustDomain)) {
    throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `${kind} SPIFFE ID ${JSON.stringify(text)} is not a member of trust domain "${trustDomain.name}"`);
  }
  if (id.path === '') throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `${kind} SPIFFE ID ${JSON.stringify(text)} must have a path`);
  return id.toString();
}
