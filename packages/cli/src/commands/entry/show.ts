/**
 * `spire-server entry show`: GetEntry for -entryID, else ListEntries in pages of 500 until the
 * server returns an empty page token; entries are sorted client-side before printing.
 */
import { create } from '@bufbuild/protobuf';
import { entryv1, type types } from '@tspire/proto';
import { formatEntryList } from '../../output/entry-pretty.js';
import { sortEntries } from '../../output/entry-sort.js';
import { protoItem } from '../../output/proto-json.js';
import { CliError, wrapError } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import type { AdminClient } from '../../admin-client.js';
import { parseSelector, parseSpiffeIdProto } from '../parse-helpers.js';
import { buildEntryFilter, entryFilterFlags, type EntryFilterValues } from './filter-flags.js';

export const LIST_ENTRIES_PAGE_SIZE = 500;

const flags = {
  entryID: { kind: 'string', usage: 'The Entry ID of the records to show' },
  ...entryFilterFlags,
} as const;

function validate(f: EntryFilterValues & { entryID: string }): void {
  if (f.entryID !== '' && (f.parentID !== '' || f.spiffeID !== '' || f.selector.length > 0)) {
    throw new CliError("the -entryID flag can't be combined with others");
  }
  for (const s of f.selector) parseSelector(s);
  if (f.spiffeID !== '') parseSpiffeIdProto(f.spiffeID);
  if (f.parentID !== '') parseSpiffeIdProto(f.parentID);
}

async function listAll(client: AdminClient, f: EntryFilterValues): Promise<types.Entry[]> {
  const filter = create(entryv1.ListEntriesRequest_FilterSchema, buildEntryFilter(f));
  const entries: types.Entry[] = [];
  let pageToken = '';
  do {
    let resp;
    try {
      resp = await client.entry.listEntries({ filter, pageSize: LIST_ENTRIES_PAGE_SIZE, pageToken });
    } catch (err) {
      throw wrapError('error fetching entries', err);
    }
    entries.push(...resp.entries);
    pageToken = resp.nextPageToken;
  } while (pageToken !== '');
  return entries;
}

export const entryShowCommand = adminCommand({
  name: 'entry show',
  synopsis: 'Displays configured registration entries',
  flags,
  output: true,
  async run(ctx) {
    validate(ctx.flags);
    let entries: types.Entry[];
    if (ctx.flags.entryID !== '') {
      try {
        entries = [await ctx.client.entry.getEntry({ id: ctx.flags.entryID })];
      } catch (err) {
        throw wrapError(`error fetching entry ID ${ctx.flags.entryID}`, err);
      }
    } else {
      entries = await listAll(ctx.client, ctx.flags);
    }
    sortEntries(entries);
    const resp = create(entryv1.ListEntriesResponseSchema, { entries });
    await ctx.emit([protoItem(entryv1.ListEntriesResponseSchema, resp)], () => ctx.out(formatEntryList(entries)));
  },
});
