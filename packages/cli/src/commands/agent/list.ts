/** `spire-server agent list`: ListAgents in pages of 1000 until an empty page token. */
import { create } from '@bufbuild/protobuf';
import { agentv1, type types } from '@tspire/proto';
import { formatAgentList } from '../../output/agent-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { agentFilterFlags, buildAgentFilter } from './filter-flags.js';

export const LIST_AGENTS_PAGE_SIZE = 1000;

export const agentListCommand = adminCommand({
  name: 'agent list',
  synopsis: 'Lists attested agents and their SPIFFE IDs',
  flags: agentFilterFlags,
  output: true,
  async run(ctx) {
    const filter = create(agentv1.ListAgentsRequest_FilterSchema, buildAgentFilter(ctx.flags));
    const agents: types.Agent[] = [];
    let pageToken = '';
    do {
      const resp = await ctx.client.agent.listAgents({ filter, pageSize: LIST_AGENTS_PAGE_SIZE, pageToken });
      agents.push(...resp.agents);
      pageToken = resp.nextPageToken;
    } while (pageToken !== '');
    const resp = create(agentv1.ListAgentsResponseSchema, { agents });
    await ctx.emit([protoItem(agentv1.ListAgentsResponseSchema, resp)], () => ctx.out(formatAgentList(agents, ctx.deps.timeZone)));
  },
});
