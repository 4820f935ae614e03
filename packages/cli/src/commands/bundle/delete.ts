/** `spire-server bundle delete`: BatchDeleteFederatedBundle with -mode restrict|delete|dissociate. */
import { bundlev1 } from '@tspire/proto';
import { protoItem } from '../../output/proto-json.js';
import { CliError, wrapError } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';

const MODES: Readonly<Record<string, bundlev1.BatchDeleteFederatedBundleRequest_Mode>> = {
  restrict: bundlev1.BatchDeleteFederatedBundleRequest_Mode.RESTRICT,
  delete: bundlev1.BatchDeleteFederatedBundleRequest_Mode.DELETE,
  dissociate: bundlev1.BatchDeleteFederatedBundleRequest_Mode.DISSOCIATE,
};

export const bundleDeleteCommand = adminCommand({
  name: 'bundle delete',
  synopsis: 'Deletes federated bundle data',
  flags: {
    id: { kind: 'string', usage: 'SPIFFE ID of the trust domain' },
    mode: {
      kind: 'string',
      default: 'restrict',
      usage: 'Deletion mode: one of restrict, delete, or dissociate',
    },
  },
  output: true,
  async run(ctx) {
    if (ctx.flags.id === '') throw new CliError('id is required');
    const mode = MODES[ctx.flags.mode];
    if (mode === undefined) throw new CliError(`unsupported mode "${ctx.flags.mode}"`);
    let resp;
    try {
      resp = await ctx.client.bundle.batchDeleteFederatedBundle({ trustDomains: [ctx.flags.id], mode });
    } catch (err) {
      throw wrapError('failed to delete federated bundle', err);
    }
    const result = resp.results[0];
    if ((result?.status?.code ?? 0) !== 0) {
      throw new CliError(`failed to delete federated bundle "${result?.trustDomain ?? ctx.flags.id}": ${result?.status?.message ?? ''}`);
    }
    await ctx.emit([protoItem(bundlev1.BatchDeleteFederatedBundleResponseSchema, resp)], () => ctx.out('bundle deleted.\n'));
  },
});
