// spire.api.server.agent.v1.Agent: admin RPCs over attested agents and join tokens.
// AttestAgent, RenewAgent and PostStatus (agent-facing) live in their own files.
import type { ServiceImpl } from '@connectrpc/connect';
import { agentv1 } from '@tspire/proto';
import { SpiffeError, SpiffeId } from '@tspire/spiffe';
import { isDatastoreError } from '../../../datastore/errors.js';
import type { NodeFilter } from '../../../datastore/types.js';
import { agentFilterFromProto, agentToProto, wantsSelectors } from '../../convert/agent.js';
import { agentIdFromProto, workloadIdFromProto } from '../../convert/spiffe-id.js';
import { nowSeconds, resolveDeps, type ApiDeps } from '../../deps.js';
import { invalidArgument, notFound, withContext } from '../../errors.js';
import { createAttestAgent } from './attest-agent.js';
import { createPostStatus } from './post-status.js';
import { createRenewAgent } from './renew-agent.js';

/** Selector type of CreateJoinToken alias entries (§5.8): `spiffe_id:<join-token agent ID>`. */
export const AGENT_ID_SELECTOR_TYPE = 'spiffe_id';

export function createAgentService(apiDeps: ApiDeps): ServiceImpl<typeof agentv1.Agent> {
  const deps = resolveDeps(apiDeps);
  const { datastore: ds, trustDomain: td } = deps;

  function agentId(id: agentv1.GetAgentRequest['id']): string {
    return agentIdFromProto(id, td).toString();
  }

  /** Removes the entries CreateJoinToken made for this agent (parented by it, keyed by its ID). */
  async function deleteAliasEntries(id: string): Promise<void> {
    const { entries } = await ds.listEntries({
      filter: { byParentId: id, bySelectors: { selectors: [{ type: AGENT_ID_SELECTOR_TYPE, value: id }], match: 'exact' } },
    });
    for (const entry of entries) {
      await ds.deleteEntry(entry.id).catch((err: unknown) => {
        if (!isDatastoreError(err, 'ERR_ENTRY_NOT_FOUND')) throw err;
      });
    }
  }

  return {
    async countAgents(req) {
      return { count: await ds.countAttestedNodes(filterOf(req.filter)) };
    },

    async listAgents(req) {
      if (req.pageSize < 0) throw invalidArgument(`page_size cannot be negative, got ${req.pageSize}`);
      const page = await ds.listAttestedNodes({
        filter: filterOf(req.filter),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        withSelectors: wantsSelectors(req.outputMask),
      }).catch((err: unknown) => { throw withContext('failed to list agents', err); });
      return { agents: page.nodes.map((n) => agentToProto(n, req.outputMask)), nextPageToken: page.nextPageToken };
    },

    async getAgent(req) {
      const id = agentId(req.id);
      const node = await ds.fetchAttestedNode(id, { withSelectors: wantsSelectors(req.outputMask) });
      if (node === null) throw notFound('agent not found');
      return agentToProto(node, req.outputMask);
    },

    async deleteAgent(req) {
      const id = agentId(req.id);
      try {
        await ds.deleteAttestedNode(id);
      } catch (err) {
        if (isDatastoreError(err, 'ERR_DATASTORE_NOT_FOUND')) throw notFound('agent not found');
        throw withContext('failed to remove agent', err);
      }
      await deleteAliasEntries(id);
      deps.logger.info('Agent deleted', { spiffe_id: id });
      return {};
    },

    async banAgent(req) {
      const id = agentId(req.id);
      const node = await ds.fetchAttestedNode(id);
      if (node === null) throw notFound('agent not found');
      try {
        await ds.updateAttestedNode({ ...node, certSerialNumber: '', newCertSerialNumber: '' }, ['certSerialNumber', 'newCertSerialNumber']);
      } catch (err) {
        if (isDatastoreError(err, 'ERR_DATASTORE_NOT_FOUND')) throw notFound('agent not found');
        throw withContext('failed to ban agent', err);
      }
      deps.logger.info('Agent banned', { spiffe_id: id });
      return {};
    },

    async createJoinToken(req) {
      if (req.ttl < 1) throw invalidArgument('ttl is required, you must provide one');
      const token = req.token === '' ? deps.randomUuid() : req.token;
      let tokenAgentId: string;
      try {
        tokenAgentId = SpiffeId.fromSegments(td, 'spire', 'agent', 'join_token', token).toString();
      } catch (err) {
        if (err instanceof SpiffeError) throw invalidArgument(`invalid join token: ${err.message}`);
        throw err;
      }
      const aliasId = req.agentId === undefined ? undefined : workloadIdFromProto(req.agentId, td, 'invalid agent ID').toString();
      const expiresAt = nowSeconds(deps.clock) + req.ttl;
      await ds.createJoinToken({ token, expiresAt }).catch((err: unknown) => {
        throw withContext('failed to create token', err);
      });
      if (aliasId !== undefined) {
        try {
          await ds.createEntry({
            parentId: tokenAgentId,
            spiffeId: aliasId,
            selectors: [{ type: AGENT_ID_SELECTOR_TYPE, value: tokenAgentId }],
          });
        } catch (err) {
          // Leave nothing behind: a token without its promised entry would attest an agent
          // that never receives the requested identity.
          await ds.deleteJoinToken(token).catch(() => {});
          throw withContext('failed to create join token entry', err);
        }
      }
      return { value: token, expiresAt: BigInt(expiresAt) };
    },

    attestAgent: createAttestAgent(deps),
    renewAgent: createRenewAgent(deps),
    postStatus: createPostStatus(deps),
  };
}

function filterOf(filter: agentv1.CountAgentsRequest_Filter | agentv1.ListAgentsRequest_Filter | undefined): NodeFilter {
  try {
    return agentFilterFromProto(filter);
  } catch (err) {
    throw invalidArgument('failed to build request filter', err);
  }
}
