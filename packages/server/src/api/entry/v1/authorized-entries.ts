// Entry.GetAuthorizedEntries (agent only): every entry the calling agent may use, answered from
// the authorized-entries cache (never the datastore per request), with the output mask applied.
import type { HandlerContext } from '@connectrpc/connect';
import type { entryv1 } from '@tspire/proto';
import { callerOf, callerSpiffeId } from '../../caller.js';
import { entryToProto } from '../../convert/entry.js';
import type { AuthorizedEntriesView, ResolvedDeps } from '../../deps.js';
import { ApiError, unimplemented } from '../../errors.js';

export interface AgentEntriesContext {
  /** the caller's SPIFFE ID, from its verified agent SVID */
  agentId: string;
  view: AuthorizedEntriesView;
}

/**
 * The calling agent and the cache to ask. UNIMPLEMENTED when the server has no agent-facing
 * API; PERMISSION_DENIED when the caller has no verified SVID (the authorization interceptor
 * should already have refused it: fail closed regardless).
 */
export function agentEntriesContext(deps: Pick<ResolvedDeps, 'agentApi'>, ctx: HandlerContext, method: string): AgentEntriesContext {
  const agentApi = deps.agentApi;
  if (agentApi === undefined) throw unimplemented(method);
  const agentId = callerSpiffeId(callerOf(ctx.values));
  if (agentId === undefined) throw new ApiError('ERR_API_PERMISSION_DENIED', `${method} requires a caller with an agent SVID`);
  return { agentId, view: agentApi.authorizedEntries };
}

export function createGetAuthorizedEntries(deps: Pick<ResolvedDeps, 'agentApi'>) {
  return (req: entryv1.GetAuthorizedEntriesRequest, ctx: HandlerContext): { entries: ReturnType<typeof entryToProto>[] } => {
    const { agentId, view } = agentEntriesContext(deps, ctx, 'GetAuthorizedEntries');
    return { entries: view.authorizedEntries(agentId).map((entry) => entryToProto(entry, req.outputMask)) };
  };
}
