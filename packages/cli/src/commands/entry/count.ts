/** `spire-server entry count`: CountEntries with the same filters as `entry show`. */
import { create } from '@bufbuild/protobuf';
import { entryv1 } from '@tspire/proto';
import { formatCount } from '../../output/agent-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { buildEntryFilter, entryFilterFlags } from './filter-flags.js';

export const entryCountCommand = adminCommand({
  name: 'entry count',
  synopsis: 'Count registration entries',
  flags: entryFilterFlags,
  output: true,
  async run(ctx) {
    const filter = create(entryv1.CountEntriesRequest_FilterSchema, buildEntryFilter(ctx.flags));
    const resp = await ctx.client.entry.countEntries({ filter });
    await ctx.emit([protoItem(entryv1.CountEntriesResponseSchema, resp)], () =>
      ctx.out(formatCount(resp.count, 'registration ', 'entry', 'entries')),
    );
  },
});
