// Agent.RenewAgent (agent only). Agents that may re-attest are told to (PermissionDenied with
// PermissionDeniedDetails AGENT_MUST_REATTEST); the others get a new SVID for the CSR's key,
// recorded as the node's *new* serial. It becomes current the first time the agent uses it
// (the agent check promotes it), so the old SVID keeps working until then.
import type { HandlerContext } from '@connectrpc/connect';
import type { agentv1 } from '@tspire/proto';
import { isDatastoreError } from '../../../datastore/errors.js';
import { AgentDenialReason, permissionDeniedWithReason } from '../../authorization.js';
import { callerOf, callerSpiffeId } from '../../caller.js';
import type { AgentApiDeps, ResolvedDeps } from '../../deps.js';
import { ApiError, invalidArgument, notFound, unimplemented, withContext } from '../../errors.js';
import { signAgentSvid } from './agent-svid.js';

/**
 * The calling agent's SPIFFE ID and the agent API deps. UNIMPLEMENTED without the agent API;
 * PERMISSION_DENIED without a verified agent SVID (the authorization interceptor should have
 * refused the call already: fail closed regardless).
 */
export function callingAgent(deps: Pick<ResolvedDeps, 'agentApi'>, ctx: HandlerContext, method: string): { agentId: string; agentApi: AgentApiDeps } {
  const agentApi = deps.agentApi;
  if (agentApi === undefined) throw unimplemented(method);
  const agentId = callerSpiffeId(callerOf(ctx.values));
  if (agentId === undefined) throw new ApiError('ERR_API_PERMISSION_DENIED', `${method} requires a caller with an agent SVID`);
  return { agentId, agentApi };
}

export function createRenewAgent(deps: ResolvedDeps) {
  return async (req: agentv1.RenewAgentRequest, ctx: HandlerContext): Promise<{ svid: agentv1.RenewAgentResponse['svid'] }> => {
    const { agentId, agentApi } = callingAgent(deps, ctx, 'RenewAgent');
    const node = await deps.datastore.fetchAttestedNode(agentId)
      .catch((err: unknown) => { throw withContext('failed to fetch agent', err); });
    if (node === null) throw notFound('agent not found');
    if (node.canReattest) throw permissionDeniedWithReason('agent must reattest instead of renew', AgentDenialReason.AGENT_MUST_REATTEST);
    if (req.params === undefined) throw invalidArgument('params cannot be nil');
    if (req.params.csr.length === 0) throw invalidArgument('missing CSR');
    const renewed = await signAgentSvid(agentApi, agentId, req.params.csr);
    try {
      await deps.datastore.updateAttestedNode(
        { ...node, newCertSerialNumber: renewed.serialNumber, newCertNotAfter: renewed.expiresAt },
        ['newCertSerialNumber', 'newCertNotAfter'],
      );
    } catch (err) {
      if (isDatastoreError(err, 'ERR_DATASTORE_NOT_FOUND')) throw notFound('agent not found');
      throw withContext('failed to update agent', err);
    }
    deps.logger.info('Renewed agent SVID', { agent_id: agentId, svid_serial_number: renewed.serialNumber });
    return { svid: renewed.svid };
  };
}
