// Public surface of the server API layer.
export { registerServerApi, serverApiInterceptors, type ServerApiOptions } from './services.js';
export type {
  ApiDeps, ApiClock, ApiLogger, MintAuthority, MintX509SvidRequest, MintJwtSvidRequest, ServerSvidCert,
  AgentApiDeps, AuthorizedEntriesView, X509SvidBatchSigner, X509SvidSigningRequest, X509SvidSigningResult,
} from './deps.js';
export { callerKey, callerOf, callerSpiffeId, localCaller, type CallerContext, type TlsPeer } from './caller.js';
export { createTcpRoleResolver, type TcpRoleResolverOptions } from './roles.js';
export { rateLimitInterceptor, type RateLimitConfig, type RateLimitInterceptorOptions } from './ratelimit-interceptor.js';
export { authorizationInterceptor, localRolesOnly, methodPolicies, type CallerRole, type MethodPolicy, type RoleResolver } from './authorization.js';
export { ApiError, apiErrorCodes, toConnectError, statusOf, GENERIC_INTERNAL_MESSAGE, type ApiErrorCode } from './errors.js';
export { errorInterceptor } from './error-interceptor.js';
export type { HealthOptions } from './health/v1/service.js';
