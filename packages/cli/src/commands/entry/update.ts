/** `spire-server entry update`: BatchUpdateEntry (no input mask: the entry is replaced whole). */
import { entryv1, type types } from '@tspire/proto';
import { CliError } from '../../output/rpc-error.js';
import { protoItem } from '../../output/proto-json.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { readInput } from '../parse-helpers.js';
import { fillFailedEntries, printEntryResults } from './batch-results.js';
import { entryFieldFlags, entryFromFlags, parseSpiffeIdProto, validateTtls, type EntryFieldValues } from './entry-spec-flags.js';
import { parseLegacyEntries } from './legacy-json.js';

const flags = {
  ...entryFieldFlags,
  entryID: { kind: 'string', usage: 'The Registration Entry ID of the record to update' },
} as const;

function validate(f: EntryFieldValues): void {
  if (f.data !== '') return;
  if (f.entryID === '') throw new CliError('an entry ID is required');
  if (f.selector.length < 1) throw new CliError('at least one selector is required');
  if (f.parentID === '') throw new CliError('a parent ID is required');
  if (f.spiffeID === '') throw new CliError('a SPIFFE ID is required');
  validateTtls(f);
}

function entriesFromFlags(f: EntryFieldValues): types.Entry[] {
  return [entryFromFlags(f, parseSpiffeIdProto(f.spiffeID), parseSpiffeIdProto(f.parentID))];
}

export const entryUpdateCommand = adminCommand({
  name: 'entry update',
  synopsis: 'Updates registration entries',
  flags,
  output: true,
  async run(ctx) {
    validate(ctx.flags);
    const entries = ctx.flags.data !== '' ? parseLegacyEntries(await readInput(ctx.deps, ctx.flags.data)) : entriesFromFlags(ctx.flags);
    const resp = await ctx.client.entry.batchUpdateEntry({ entries });
    fillFailedEntries(resp.results, entries);
    await ctx.emit([protoItem(entryv1.BatchUpdateEntryResponseSchema, resp)], () =>
      printEntryResults(resp.results, 'update', ctx.out, ctx.err),
    );
  },
});
