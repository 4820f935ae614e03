/** `agent show`, `agent evict`, `agent ban`: one agent named by -spiffeID. */
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { types } from '@tspire/proto';
import { formatAgentShow } from '../../output/agent-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { CliError } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { parseSpiffeIdProto } from '../parse-helpers.js';

function agentId(spiffeID: string): types.SPIFFEID {
  if (spiffeID === '') throw new CliError('a SPIFFE ID is required');
  return parseSpiffeIdProto(spiffeID);
}

export const agentShowCommand = adminCommand({
  name: 'agent show',
  synopsis: 'Shows the details of an attested agent given its SPIFFE ID',
  flags: { spiffeID: { kind: 'string', usage: 'The SPIFFE ID of the agent to show (agent identity)' } },
  output: true,
  async run(ctx) {
    const agent = await ctx.client.agent.getAgent({ id: agentId(ctx.flags.spiffeID) });
    await ctx.emit([protoItem(types.AgentSchema, agent)], () => ctx.out(formatAgentShow(agent, ctx.deps.timeZone)));
  },
});

export const agentEvictCommand = adminCommand({
  name: 'agent evict',
  synopsis: 'Evicts an attested agent given its SPIFFE ID',
  flags: { spiffeID: { kind: 'string', usage: 'The SPIFFE ID of the agent to evict (agent identity)' } },
  output: true,
  async run(ctx) {
    const resp = await ctx.client.agent.deleteAgent({ id: agentId(ctx.flags.spiffeID) });
    await ctx.emit([protoItem(EmptySchema, resp)], () => ctx.out('Agent evicted successfully\n'));
  },
});

export const agentBanCommand = adminCommand({
  name: 'agent ban',
  synopsis: 'Ban an attested agent given its SPIFFE ID',
  flags: { spiffeID: { kind: 'string', usage: 'The SPIFFE ID of the agent to ban (agent identity)' } },
  output: true,
  async run(ctx) {
    const resp = await ctx.client.agent.banAgent({ id: agentId(ctx.flags.spiffeID) });
    await ctx.emit([protoItem(EmptySchema, resp)], () => ctx.out('Agent banned successfully\n'));
  },
});
