// Who an agent-facing SVID RPC serves: the verified SPIFFE ID of the TLS caller (the
// authorization interceptor already checked it is an active agent) and the agent API deps.
import type { HandlerContext } from '@connectrpc/connect';
import { callerOf, callerSpiffeId } from '../../caller.js';
import type { AgentApiDeps, ResolvedDeps } from '../../deps.js';
import { ApiError, unimplemented } from '../../errors.js';

export interface AgentCaller {
  agentApi: AgentApiDeps;
  agentId: string;
}

/**
 * @throws UNIMPLEMENTED when the server has no agent API (admin-only setups); PERMISSION_DENIED
 *   when the caller has no verified SPIFFE ID (fail closed, should the policy ever let one through).
 */
export function agentCaller(deps: ResolvedDeps, ctx: HandlerContext, method: string): AgentCaller {
  const agentApi = deps.agentApi;
  if (agentApi === undefined) throw unimplemented(method);
  const agentId = callerSpiffeId(callerOf(ctx.values));
  if (agentId === undefined) throw new ApiError('ERR_API_PERMISSION_DENIED', `${method} requires a caller with a verified agent SVID`);
  return { agentApi, agentId };
}
