/** `spire-server bundle count`: CountBundles (the server's own bundle included). */
import { bundlev1 } from '@tspire/proto';
import { formatCount } from '../../output/agent-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';

export const bundleCountCommand = adminCommand({
  name: 'bundle count',
  synopsis: 'Count bundles',
  flags: {},
  output: true,
  async run(ctx) {
    const resp = await ctx.client.bundle.countBundles({});
    await ctx.emit([protoItem(bundlev1.CountBundlesResponseSchema, resp)], () => ctx.out(formatCount(resp.count, '', 'bundle', 'bundles')));
  },
});
