export { TrustDomain, type ParseOptions } from './trust-domain.js';
export { SpiffeId } from './spiffe-id.js';
export {
  type Authorizer,
  authorize,
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  authorizeOneOf,
} from './authorizer.js';
