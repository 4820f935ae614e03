// Registers every server API service on a connect router, with the authorization policy and
// the error boundary as interceptors (see routerInterceptors).
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { agentv1, bundlev1, debugv1, entryv1, healthv1, svidv1, trustdomainv1 } from '@tspire/proto';
import { createAgentService } from './agent/v1/service.js';
import { authorizationInterceptor, type RoleResolver } from './authorization.js';
import { createBundleService } from './bundle/v1/service.js';
import { createDebugService } from './debug/v1/service.js';
import { resolveDeps, type ApiDeps } from './deps.js';
import { createEntryService } from './entry/v1/service.js';
import { errorInterceptor } from './error-interceptor.js';
import { createHealthService, type HealthOptions } from './health/v1/service.js';
import { createSvidService } from './svid/v1/service.js';
import { createTrustDomainService } from './trustdomain/v1/service.js';

export interface ServerApiOptions {
  health?: HealthOptions;
  /** include Debug (admin socket only, as SPIRE); default true */
  localOnlyServices?: boolean;
}

/** Adds the SPIRE server API services to `router`. */
export function registerServerApi(router: ConnectRouter, apiDeps: ApiDeps, options: ServerApiOptions = {}): void {
  const deps = resolveDeps(apiDeps);
  router.service(entryv1.Entry, createEntryService(deps));
  router.service(agentv1.Agent, createAgentService(deps));
  router.service(bundlev1.Bundle, createBundleService(deps));
  router.service(svidv1.SVID, createSvidService(deps));
  router.service(trustdomainv1.TrustDomain, createTrustDomainService());
  // Health answers everywhere: load balancers and gRPC probes check the TCP endpoint without a
  // client certificate; it reveals only SERVING / NOT_SERVING.
  router.service(healthv1.Health, createHealthService(deps, options.health));
  if (options.localOnlyServices !== false) router.service(debugv1.Debug, createDebugService(deps));
}

/**
 * Interceptors for the router, outermost first: errors are mapped after authorization so a
 * denial and a handler failure leave through the same boundary.
 */
export function serverApiInterceptors(apiDeps: Pick<ApiDeps, 'logger'>, resolveRoles?: RoleResolver): Interceptor[] {
  return [errorInterceptor(apiDeps.logger), authorizationInterceptor(resolveRoles)];
}
