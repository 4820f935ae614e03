/** @tspire/server: the SPIRE-compatible server (datastore, CA, APIs, endpoints). */
export { startServer, defaultAgentEndpointOptions, type ServerOptions, type RunningServer, type CaOptions, type AgentEndpointOptions } from './server.js';
export * as datastore from './datastore/index.js';
export * as ca from './ca/index.js';
export * as keymanager from './keymanager/index.js';
export * as config from './config/index.js';
export { serverOptionsFromConfig } from './server-options.js';
