// The authorization policy of SPIRE's default OPA policy, as a table keyed by full method, and
// the interceptor enforcing it. Methods missing from the table are denied (fail closed).
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { types } from '@tspire/proto';
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
  // SPIRE serves health on the admin socket only; tspire also answers it on TCP, to anyone.
  ...methods('grpc.health.v1.Health', ['Check', 'Watch', 'List'], 'any'),
]);

/** Why a TLS caller failed the agent check (spire.api.types.PermissionDeniedDetails.Reason). */
export type AgentDenialReason = types.PermissionDeniedDetails_Reason;
export const AgentDenialReason = types.PermissionDeniedDetails_Reason;

/** What a resolver found: the roles held and, when the agent check ran and failed, why. */
export interface RoleResolution {
  roles: ReadonlySet<CallerRole>;
  agentDenied?: AgentDenialReason;
}

/**
 * Resolves the roles of a caller. `wanted` lists the roles the method accepts (any one
 * suffices), so a resolver may skip checks that cannot matter, e.g. the agent check (a datastore
 * read that may promote the agent's new serial) for an admin-only method. The default knows only
 * `local`; the TCP listener injects createTcpRoleResolver (api/roles.ts).
 */
export type RoleResolver = (
  caller: CallerContext,
  wanted?: readonly CallerRole[],
) => Promise<ReadonlySet<CallerRole> | RoleResolution>;

export const localRolesOnly: RoleResolver = async (caller) =>
  new Set<CallerRole>(caller.kind === 'local' ? ['local'] : []);

export function methodPath(service: string, method: string): string {
  return `/${service}/${method}`;
}

/**
 * PermissionDenied with a spire.api.types.PermissionDeniedDetails status detail (sent in
 * grpc-status-details-bin), which agents read to decide between re-attesting and shutting down.
 * @example throw permissionDeniedWithReason('authorization denied for method /x/Y', AgentDenialReason.AGENT_BANNED)
 */
export function permissionDeniedWithReason(message: string, reason: AgentDenialReason): ConnectError {
  return new ConnectError(message, Code.PermissionDenied, undefined, [{ desc: types.PermissionDeniedDetailsSchema, value: { reason } }]);
}

function resolutionOf(result: ReadonlySet<CallerRole> | RoleResolution): RoleResolution {
  return 'roles' in result ? result : { roles: result };
}

/**
 * PERMISSION_DENIED "authorization denied for method <full method>" unless the policy allows;
 * when the method accepts agents and the caller failed the agent check, the denial carries
 * PermissionDeniedDetails{reason}.
 */
export function authorizationInterceptor(resolveRoles: RoleResolver = localRolesOnly): Interceptor {
  return (next) => async (req) => {
    const path = methodPath(req.service.typeName, req.method.name);
    const policy = methodPolicies.get(path);
    if (policy === 'any') return next(req);
    const { roles, agentDenied } = policy === undefined
      ? { roles: new Set<CallerRole>(), agentDenied: undefined }
      : resolutionOf(await resolveRoles(callerOf(req.contextValues), policy));
    if (policy === undefined || !policy.some((role) => roles.has(role))) {
      const message = `authorization denied for method ${path}`;
      if (agentDenied !== undefined && policy?.includes('agent') === true) throw permissionDeniedWithReason(message, agentDenied);
      throw new ConnectError(message, Code.PermissionDenied);
    }
    return next(req);
  };
}
