// Public surface of the server API layer.
export { registerServerApi, serverApiInterceptors, type ServerApiOptions } from './services.js';
export type { ApiDeps, ApiClock, ApiLogger, MintAuthority, MintX509SvidRequest, MintJwtSvidRequest, ServerSvidCert } from './deps.js';
export { callerKey, callerOf, localCaller, type CallerContext } from './caller.js';
export { authorizationInterceptor, localRolesOnly, methodPolicies, type CallerRole, type MethodPolicy, type RoleResolver } from './authorization.js';
export { ApiError, apiErrorCodes, toConnectError, statusOf, GENERIC_INTERNAL_MESSAGE, type ApiErrorCode } from './errors.js';
export { errorInterceptor } from './error-interceptor.js';
export type { HealthOptions } from './health/v1/service.js';
