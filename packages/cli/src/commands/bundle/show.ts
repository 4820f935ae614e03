/** `spire-server bundle show`: the server's own bundle (GetBundle) as PEM or SPIFFE JSON. */
import { types } from '@tspire/proto';
import { formatBundle } from '../../output/bundle-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { formatFlag, parseBundleFormat } from './bundle-format.js';

export const bundleShowCommand = adminCommand({
  name: 'bundle show',
  synopsis: 'Prints server CA bundle to stdout',
  flags: { format: formatFlag },
  output: true,
  async run(ctx) {
    const format = parseBundleFormat(ctx.flags.format);
    const bundle = await ctx.client.bundle.getBundle({});
    await ctx.emit([protoItem(types.BundleSchema, bundle)], () => ctx.out(formatBundle(bundle, format, false)));
  },
});
