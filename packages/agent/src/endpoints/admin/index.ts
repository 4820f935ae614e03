export { ADMIN_READ_MAX_BYTES, DEFAULT_ADMIN_SOCKET_PATH, startAdminApi, type AdminApiOptions } from './admin-api.js';
export { certInfo, createAgentDebugService, type AgentDebugServiceDeps, type AgentDebugSource } from './debug-service.js';
export { createAgentLoggerService, logLevelFromProto, logLevelToProto, type AgentLoggerServiceDeps, type LogLevelControl } from './logger-service.js';
export { NOT_AUTHORIZED_DELEGATE_MESSAGE, createDelegatedIdentityService, type DelegatedIdentityDeps } from './delegated-identity-service.js';
