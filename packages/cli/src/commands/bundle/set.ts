/** `spire-server bundle set`: creates or replaces a federated bundle (BatchSetFederatedBundle). */
import { bundlev1 } from '@tspire/proto';
import { protoItem } from '../../output/proto-json.js';
import { CliError, wrapError } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { readInput } from '../parse-helpers.js';
import { formatFlag, parseBundleData, parseBundleFormat } from './bundle-format.js';

export const bundleSetCommand = adminCommand({
  name: 'bundle set',
  synopsis: 'Creates or updates federated bundle data',
  flags: {
    id: { kind: 'string', usage: 'SPIFFE ID of the trust domain' },
    path: { kind: 'string', usage: 'Path to the bundle data' },
    format: formatFlag,
  },
  output: true,
  async run(ctx) {
    if (ctx.flags.id === '') throw new CliError('id flag is required');
    const format = parseBundleFormat(ctx.flags.format);
    let data: Uint8Array;
    try {
      data = await readInput(ctx.deps, ctx.flags.path === '' ? '-' : ctx.flags.path);
    } catch (err) {
      throw wrapError('unable to load bundle data', err);
    }
    const bundle = parseBundleData(data, format, ctx.flags.id);
    let resp;
    try {
      resp = await ctx.client.bundle.batchSetFederatedBundle({ bundle: [bundle] });
    } catch (err) {
      throw wrapError('failed to set federated bundle', err);
    }
    const status = resp.results[0]?.status;
    if ((status?.code ?? 0) !== 0) throw new CliError(`failed to set federated bundle: ${status?.message ?? ''}`);
    await ctx.emit([protoItem(bundlev1.BatchSetFederatedBundleResponseSchema, resp)], () => ctx.out('bundle set.\n'));
  },
});
