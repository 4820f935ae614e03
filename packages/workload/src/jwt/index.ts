export {
  fetchJwtSvid,
  validateJwtSvidLocally,
  validateJwtSvidWithWorkloadApi,
  bearerToken,
  type JwtSvidFetcher,
  type FetchJwtSvidOptions,
  type ValidateJwtSvidOptions,
} from './jwt-helpers.js';
