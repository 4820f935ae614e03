/** `spire-server entry create`: BatchCreateEntry from flags or a `-data` file. */
import { create } from '@bufbuild/protobuf';
import { entryv1, types } from '@tspire/proto';
import { CliError } from '../../output/rpc-error.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { readInput } from '../parse-helpers.js';
import { fillFailedEntries, printEntryResults } from './batch-results.js';
import { entryFieldFlags, entryFromFlags, parseSpiffeIdProto, validateTtls, type EntryFieldValues } from './entry-spec-flags.js';
import { parseLegacyEntries } from './legacy-json.js';

const flags = {
  ...entryFieldFlags,
  node: { kind: 'bool', usage: 'If set, this entry will be applied to matching nodes rather than workloads' },
} as const;

function validate(f: EntryFieldValues & { node: boolean }): void {
  if (f.data !== '') return;
  if (f.selector.length < 1) throw new CliError('at least one selector is required');
  if (f.node && f.federatesWith.length > 0) throw new CliError('node entries can not federate');
  if (f.parentID === '' && !f.node) throw new CliError('a parent ID is required if the node flag is not set');
  if (f.spiffeID === '') throw new CliError('a SPIFFE ID is required');
  validateTtls(f);
}

function entriesFromFlags(f: EntryFieldValues & { node: boolean }): types.Entry[] {
  const spiffeId = parseSpiffeIdProto(f.spiffeID);
  // -node makes the server itself the parent: the entry then matches agents, not workloads.
  const parentId = f.node
    ? create(types.SPIFFEIDSchema, { trustDomain: spiffeId.trustDomain, path: '/spire/server' })
    : parseSpiffeIdProto(f.parentID);
  return [entryFromFlags(f, spiffeId, parentId)];
}

export const entryCreateCommand = adminCommand({
  name: 'entry create',
  synopsis: 'Creates registration entries',
  flags,
  output: true,
  async run(ctx) {
    validate(ctx.flags);
    const entries = ctx.flags.data !== '' ? parseLegacyEntries(await readInput(ctx.deps, ctx.flags.data)) : entriesFromFlags(ctx.flags);
    const resp = await ctx.client.entry.batchCreateEntry({ entries });
    fillFailedEntries(resp.results, entries);
    await ctx.emit([protoItem(entryv1.BatchCreateEntryResponseSchema, resp)], () =>
      printEntryResults(resp.results, 'create', ctx.out, ctx.err),
    );
  },
});
