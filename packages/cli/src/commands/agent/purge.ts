/**
 * `spire-server agent purge`: deletes agents that can re-attest and whose SVID expired more
 * than -expiredFor ago (default 720h). `-dryRun` only lists them. JSON output is SPIRE's
 * `[{"expired_agents":[{"agent_id","deleted","error"}]}]`.
 */
import { create } from '@bufbuild/protobuf';
import { agentv1, types } from '@tspire/proto';
import { agentLine } from '../../output/agent-pretty.js';
import { idToString } from '../../output/entry-pretty.js';
import { encodeGoJson, type JsonValue } from '../../output/go-json.js';
import { pluralize } from '../../output/pluralize.js';
import { describeError, wrapError } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';

export interface PurgeResult {
  readonly agentId: string;
  readonly deleted: boolean;
  readonly error?: string;
}

/** The pretty report. */
export function formatPurge(results: readonly PurgeResult[], dryRun: boolean): string {
  if (results.length === 0) return 'No agents to purge.\n';
  let out = `${pluralize(`Found ${results.length} expired `, 'agent', 'agents', results.length)}\n\n`;
  if (dryRun) {
    out += '\nAgents that can be purged:\n';
    return out + results.map((r) => agentLine('SPIFFE ID', r.agentId)).join('');
  }
  const purged = results.filter((r) => r.deleted);
  const notPurged = results.filter((r) => !r.deleted);
  if (purged.length > 0) out += `Agents purged:\n${purged.map((r) => agentLine('SPIFFE ID', r.agentId)).join('')}`;
  if (notPurged.length > 0) {
    out += 'Agents not purged:\n';
    for (const r of notPurged) out += agentLine('SPIFFE ID', r.agentId) + (r.error !== undefined ? agentLine('Error', r.error) : '');
  }
  return out;
}

/** The JSON report (Go struct order: agent_id, deleted, error). */
export function formatPurgeJson(results: readonly PurgeResult[]): string {
  const agents = results.map((r) => ({ agent_id: r.agentId, deleted: r.deleted, ...(r.error !== undefined ? { error: r.error } : {}) }));
  // Keys happen to be in alphabetical order already, so the Go-style encoder keeps struct order.
  return encodeGoJson([{ expired_agents: agents }] as JsonValue);
}

export const agentPurgeCommand = adminCommand({
  name: 'agent purge',
  synopsis: 'Purge expired agents that were attested using a non-TOFU security model based on a given time',
  flags: {
    expiredFor: { kind: 'duration', default: '720h', usage: 'Amount of time that has passed since the agent\'s SVID has expired. It is used to determine which agents to purge.' },
    dryRun: { kind: 'bool', usage: 'Indicates that the command will not perform any action, but will print the agents that would be purged.' },
  },
  output: true,
  async run(ctx) {
    const cutoffMs = ctx.deps.now().getTime() - ctx.flags.expiredFor;
    let resp;
    try {
      resp = await ctx.client.agent.listAgents({
        filter: create(agentv1.ListAgentsRequest_FilterSchema, { byCanReattest: true }),
        outputMask: create(types.AgentMaskSchema, { x509svidExpiresAt: true }),
      });
    } catch (err) {
      throw wrapError('failed to list agents', err);
    }
    const results: PurgeResult[] = [];
    for (const agent of resp.agents) {
      if (Number(agent.x509svidExpiresAt) * 1000 >= cutoffMs) continue;
      const agentId = idToString(agent.id);
      if (ctx.flags.dryRun) {
        results.push({ agentId, deleted: false });
        continue;
      }
      try {
        await ctx.client.agent.deleteAgent(agent.id !== undefined ? { id: agent.id } : {});
        results.push({ agentId, deleted: true });
      } catch (err) {
        results.push({ agentId, deleted: false, error: describeError(err) });
      }
    }
    if (ctx.output === 'json') ctx.out(formatPurgeJson(results));
    else ctx.out(formatPurge(results, ctx.flags.dryRun));
  },
});
