/**
 * `spire-server entry delete`: BatchDeleteEntry for -entryID or the ids of a `-file`
 * (`{"ids":[...]}`, `-` for stdin). The success summary has no trailing newline, as SPIRE's.
 */
import { entryv1 } from '@tspire/proto';
import { goQuote } from '../../output/go-quote.js';
import { protoItem } from '../../output/proto-json.js';
import { CliError, goCodeName } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';
import { readInput } from '../parse-helpers.js';

const flags = {
  entryID: { kind: 'string', usage: 'The Registration Entry ID of the record to delete.' },
  file: { kind: 'string', usage: "Path to a file containing a JSON structure for batch deletion (optional). If set to '-', read from stdin." },
} as const;

/** The `ids` of a batch-delete file. */
export function parseDeleteFile(bytes: Uint8Array): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new CliError(`invalid delete file: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CliError('invalid delete file: expected an object like {"ids":["..."]}');
  const key = Object.keys(doc).find((k) => k.toLowerCase() === 'ids');
  const ids = key === undefined ? [] : (doc as Record<string, unknown>)[key];
  if (ids === null) return [];
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new CliError('invalid delete file: "ids" must be an array of strings');
  return ids;
}

/** The pretty output; throws when any deletion failed. */
export function printDeleteResults(
  results: readonly entryv1.BatchDeleteEntryResponse_Result[],
  out: (text: string) => void,
  err: (text: string) => void,
): void {
  const ok = results.filter((r) => (r.status?.code ?? 0) === 0);
  const failed = results.filter((r) => (r.status?.code ?? 0) !== 0);
  for (const r of ok) out(`Deleted entry with ID: ${r.id}\n`);
  if (ok.length > 0) out('\n\n');
  for (const r of failed) {
    err(`Failed to delete entry with ID ${r.id} (code: ${goCodeName(r.status?.code ?? 0)}, msg: ${goQuote(r.status?.message ?? '')})\n`);
  }
  if (failed.length > 0) {
    out('\n\n');
    out(ok.length === 0 ? `Failed to delete ${failed.length} entries` : `Deleted ${ok.length} entries successfully, but failed to delete ${failed.length} entries`);
    throw new CliError('failed to delete one or more entries');
  }
  out(`Deleted ${ok.length} entries successfully`);
}

export const entryDeleteCommand = adminCommand({
  name: 'entry delete',
  synopsis: 'Deletes registration entries',
  flags,
  output: true,
  async run(ctx) {
    if (ctx.flags.file === '' && ctx.flags.entryID === '') throw new CliError('an entry ID is required');
    const ids = ctx.flags.file !== '' ? parseDeleteFile(await readInput(ctx.deps, ctx.flags.file)) : [ctx.flags.entryID];
    const resp = await ctx.client.entry.batchDeleteEntry({ ids });
    await ctx.emit([protoItem(entryv1.BatchDeleteEntryResponseSchema, resp)], () => printDeleteResults(resp.results, ctx.out, ctx.err));
  },
});
