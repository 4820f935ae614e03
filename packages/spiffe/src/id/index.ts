export { TrustDomain, type ParseOptions } from './trust-domain.js';
export { SpiffeId } from './spiffe-id.js';
