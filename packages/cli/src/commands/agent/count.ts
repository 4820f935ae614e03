/** `spire-server agent count`: CountAgents with the `agent list` filters. */
import { create } from '@bufbuild/protobuf';
import { agentv1 } from '@tspire/proto';
import { formatCount } from '../../output/agent-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { agentFilterFlags, buildAgentFilter } from './filter-flags.js';

export const agentCountCommand = adminCommand({
  name: 'agent count',
  synopsis: 'Count attested agents',
  flags: agentFilterFlags,
  output: true,
  async run(ctx) {
    const filter = create(agentv1.CountAgentsRequest_FilterSchema, buildAgentFilter(ctx.flags));
    const resp = await ctx.client.agent.countAgents({ filter });
    await ctx.emit([protoItem(agentv1.CountAgentsResponseSchema, resp)], () =>
      ctx.out(formatCount(resp.count, 'attested ', 'agent', 'agents')),
    );
  },
});
