// The authorization policy of SPIRE's default OPA policy, as a table keyed by full method, and
// the interceptor enforcing it. Methods missing from the table are denied (fail closed).
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { callerOf, type CallerContext } from './caller.js';

/** Roles a caller can hold; `local` = came over the admin socket. */
export type CallerRole = 'local' | 'admin' | 'agent' | 'downstream';

/** Who may call a method: `any` or a list of roles (any one suffices). */
export type MethodPolicy = 'any' | readonly CallerRole[];

const LOCAL_OR_ADMIN: readonly CallerRole[] = ['local', 'admin'];

function methods(service: string, names: readonly string[], policy: MethodPolicy): [string, MethodPolicy][] {
  return names.map((name) => [`/${service}/${name}`, policy]);
}

export const methodPolicies: ReadonlyMap<string, MethodPolicy> = new Map([
  ...methods('spire.api.server.entry.v1.Entry', ['CountEntries', 'ListEntries', 'GetEntry', 'BatchCreateEntry', 'BatchUpdateEntry', 'BatchDeleteEntry'], LOCAL_OR_ADMIN),
  ...methods('spire.api.server.entry.v1.Entry', ['GetAuthorizedEntries', 'SyncAuthorizedEntries'], ['agent']),
  ...methods('spire.api.server.agent.v1.Agent', ['CountAgents', 'ListAgents', 'GetAgent', 'DeleteAgent', 'BanAgent', 'CreateJoinToken'], LOCAL_OR_ADMIN),
  ...methods('spire.api.server.agent.v1.Agent', ['AttestAgent'], 'any'),
  ...methods('spire.api.server.agent.v1.Agent', ['RenewAgent', 'PostStatus'], ['agent']),
  ...methods('spire.api.server.svid.v1.SVID', ['MintX509SVID', 'MintJWTSVID', 'MintWITSVID'], LOCAL_OR_ADMIN),
  ...methods('spire.api.server.svid.v1.SVID', ['BatchNewX509SVID', 'NewJWTSVID', 'BatchNewWITSVID'], ['agent']),
  ...methods('spire.api.server.svid.v1.SVID', ['NewDownstreamX509CA'], ['downstream']),
  ...methods('spire.api.server.bundle.v1.Bundle', ['GetBundle'], 'any'),
  ...methods('spire.api.server.bundle.v1.Bundle', ['CountBundles', 'AppendBundle', 'ListFederatedBundles', 'BatchCreateFederatedBundle', 'BatchUpdateFederatedBundle', 'BatchSetFederatedBundle', 'BatchDeleteFederatedBundle'], LOCAL_OR_ADMIN),
  ...methods('spire.api.server.bundle.v1.Bundle', ['GetFederatedBundle'], ['local', 'admin', 'agent']),
  ...methods('spire.api.server.bundle.v1.Bundle', ['PublishJWTAuthority', 'PublishWITAuthority'], ['downstream']),
  ...methods('spire.api.server.trustdomain.v1.TrustDomain', ['ListFederationRelationships', 'GetFederationRelationship', 'BatchCreateFederationRelationship', 'BatchUpdateFederationRelationship', 'BatchDeleteFederationRelationship', 'RefreshBundle'], LOCAL_OR_ADMIN),
  ...methods('spire.api.server.debug.v1.Debug', ['GetInfo'], ['local']),
  ...methods('grpc.health.v1.Health', ['Check', 'Watch', 'List'], ['local']),
]);

/**
 * Resolves the roles of a caller. The default knows only `local`; the TCP listener will inject
 * one that looks up admin_ids, admin/downstream entries and attested agents.
 */
export type RoleResolver = (caller: CallerContext) => Promise<ReadonlySet<CallerRole>>;

export const localRolesOnly: RoleResolver = async (caller) =>
  new Set<CallerRole>(caller.kind === 'local' ? ['local'] : []);

export function methodPath(service: string, method: string): string {
  return `/${service}/${method}`;
}

/** PERMISSION_DENIED "authorization denied for method <full method>" unless the policy allows. */
export function authorizationInterceptor(resolveRoles: RoleResolver = localRolesOnly): Interceptor {
  return (next) => async (req) => {
    const path = methodPath(req.service.typeName, req.method.name);
    const policy = methodPolicies.get(path);
    if (policy !== 'any') {
      const roles = policy === undefined ? new Set<CallerRole>() : await resolveRoles(callerOf(req.contextValues));
      if (policy === undefined || !policy.some((role) => roles.has(role))) {
        throw new ConnectError(`authorization denied for method ${path}`, Code.PermissionDenied);
      }
    }
    return next(req);
  };
}
