/** `spire-server token generate`: CreateJoinToken (TTL in seconds, default 600). */
import { types } from '@tspire/proto';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { parseSpiffeIdProto, toInt32 } from '../parse-helpers.js';

export const tokenGenerateCommand = adminCommand({
  name: 'token generate',
  synopsis: 'Generates a join token',
  flags: {
    spiffeID: { kind: 'string', usage: 'Additional SPIFFE ID to assign the token owner (optional)' },
    ttl: { kind: 'int', default: 600, usage: 'Token TTL in seconds' },
  },
  output: true,
  async run(ctx) {
    const agentId = ctx.flags.spiffeID === '' ? undefined : parseSpiffeIdProto(ctx.flags.spiffeID);
    const ttl = toInt32(ctx.flags.ttl, 'TTL');
    const token = await ctx.client.agent.createJoinToken({ ttl, ...(agentId !== undefined ? { agentId } : {}) });
    await ctx.emit([protoItem(types.JoinTokenSchema, token)], () => {
      ctx.out(`Token: ${token.value}\n`);
      if (ctx.flags.spiffeID === '') ctx.out('Warning: Missing SPIFFE ID.\n');
    });
  },
});
