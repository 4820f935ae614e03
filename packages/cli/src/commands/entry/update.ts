/**
 * `spire-server entry update`: BatchUpdateEntry (no input mask: the entry is replaced whole).
 * As SPIRE 1.15, an additional-attribute flag first fetches the entry so the attributes not
 * given on the command line keep their stored values.
 */
import { create } from '@bufbuild/protobuf';
import { entryv1, types } from '@tspire/proto';
import type { AdminClient } from '../../admin-client.js';
import { CliError, wrapError } from '../../output/rpc-error.js';
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

/** Sets the flagged attributes on top of the stored ones (the flags can only turn them on). */
async function mergeAdditionalAttributes(client: AdminClient, entry: types.Entry, f: EntryFieldValues): Promise<void> {
  let existing: types.Entry;
  try {
    existing = await client.entry.getEntry({ id: f.entryID });
  } catch (err) {
    throw wrapError('failed to fetch existing entry to merge additional attributes', err);
  }
  const stored = existing.additionalAttributes;
  entry.additionalAttributes = create(types.Entry_AdditionalAttributesSchema, {
    disableX509SvidPrefetch: f.disableX509SVIDPrefetch || (stored?.disableX509SvidPrefetch ?? false),
    jwtSvidIncludeJti: f.jwtSVIDIncludeJTI || (stored?.jwtSvidIncludeJti ?? false),
  });
}

export const entryUpdateCommand = adminCommand({
  name: 'entry update',
  synopsis: 'Updates registration entries',
  flags,
  output: true,
  async run(ctx) {
    validate(ctx.flags);
    const entries = ctx.flags.data !== '' ? parseLegacyEntries(await readInput(ctx.deps, ctx.flags.data)) : entriesFromFlags(ctx.flags);
    if (ctx.flags.data === '' && (ctx.flags.disableX509SVIDPrefetch || ctx.flags.jwtSVIDIncludeJTI)) {
      await mergeAdditionalAttributes(ctx.client, entries[0]!, ctx.flags);
    }
    const resp = await ctx.client.entry.batchUpdateEntry({ entries });
    fillFailedEntries(resp.results, entries);
    await ctx.emit([protoItem(entryv1.BatchUpdateEntryResponseSchema, resp)], () =>
      printEntryResults(resp.results, 'update', ctx.out, ctx.err),
    );
  },
});
