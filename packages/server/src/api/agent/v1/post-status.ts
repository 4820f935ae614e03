// Agent.PostStatus (agent only): the agent reports its version (SPIRE agents send it once at
// start-up); it is stored on the caller's attested-node record.
import type { HandlerContext } from '@connectrpc/connect';
import type { agentv1 } from '@tspire/proto';
import { isDatastoreError } from '../../../datastore/errors.js';
import type { ResolvedDeps } from '../../deps.js';
import { invalidArgument, notFound, withContext } from '../../errors.js';
import { callingAgent } from './renew-agent.js';

/** Longest agent_version accepted, in bytes of UTF-8 (Go's len). */
export const MAX_AGENT_VERSION_LENGTH = 255;

export function createPostStatus(deps: ResolvedDeps) {
  return async (req: agentv1.PostStatusRequest, ctx: HandlerContext): Promise<Record<string, never>> => {
    const { agentId } = callingAgent(deps, ctx, 'PostStatus');
    const length = Buffer.byteLength(req.agentVersion, 'utf8');
    if (length > MAX_AGENT_VERSION_LENGTH) {
      throw invalidArgument(`agent_version is ${length} bytes long; at most ${MAX_AGENT_VERSION_LENGTH} are allowed`);
    }
    try {
      // Only agentVersion is written (the mask); the other fields are placeholders.
      await deps.datastore.updateAttestedNode({
        spiffeId: agentId, agentVersion: req.agentVersion, attestationType: '', certSerialNumber: '', certNotAfter: 0,
        newCertSerialNumber: '', newCertNotAfter: 0, canReattest: false,
      }, ['agentVersion']);
    } catch (err) {
      if (isDatastoreError(err, 'ERR_DATASTORE_NOT_FOUND')) throw notFound('agent not found');
      throw withContext('failed to update agent', err);
    }
    return {};
  };
}
