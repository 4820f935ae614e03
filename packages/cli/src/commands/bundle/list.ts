/** `spire-server bundle list`: one federated bundle (-id) or all of them. */
import { create } from '@bufbuild/protobuf';
import { bundlev1, types } from '@tspire/proto';
import { formatBundle, formatBundleList } from '../../output/bundle-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { formatFlag, parseBundleFormat } from './bundle-format.js';

export const bundleListCommand = adminCommand({
  name: 'bundle list',
  synopsis: 'Lists federated bundle data',
  flags: {
    id: { kind: 'string', usage: 'SPIFFE ID of the trust domain' },
    format: formatFlag,
  },
  output: true,
  async run(ctx) {
    const format = parseBundleFormat(ctx.flags.format);
    if (ctx.flags.id !== '') {
      const bundle = await ctx.client.bundle.getFederatedBundle({ trustDomain: ctx.flags.id });
      await ctx.emit([protoItem(types.BundleSchema, bundle)], () => ctx.out(formatBundle(bundle, format, false)));
      return;
    }
    const bundles: types.Bundle[] = [];
    let pageToken = '';
    do {
      const resp = await ctx.client.bundle.listFederatedBundles({ pageToken });
      bundles.push(...resp.bundles);
      pageToken = resp.nextPageToken;
    } while (pageToken !== '');
    const resp = create(bundlev1.ListFederatedBundlesResponseSchema, { bundles });
    await ctx.emit([protoItem(bundlev1.ListFederatedBundlesResponseSchema, resp)], () => ctx.out(formatBundleList(bundles, format)));
  },
});
