/**
 * @tspire/spiffe: the SPIFFE standards in TypeScript: IDs, authorizers, bundles, X509-SVIDs
 * and JWT-SVIDs. Time is always injected (`now`), never read from globals here.
 */
export * from './errors.js';
export * from './id/index.js';
export * from './bundle/index.js';
export * from './svid/x509-index.js';
export * from './svid/jwt-index.js';
export * as der from './der/index.js';
export { encodePem, decodePem, type PemBlock, type DecodePemOptions } from './pem/pem.js';
