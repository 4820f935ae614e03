/**
 * Printing the results of BatchCreateEntry / BatchUpdateEntry: successes as entry blocks on
 * stdout, failures on stderr with their status (showing the entry that was sent), and an
 * error when any failed.
 */
import type { types } from '@tspire/proto';
import { formatEntry } from '../../output/entry-pretty.js';
import { goQuote } from '../../output/go-quote.js';
import { CliError, goCodeName } from '../../output/rpc-error.js';

export interface EntryResult {
  status?: types.Status | undefined;
  entry?: types.Entry | undefined;
}

/** Puts the request's entry on failed results (the API returns none for them), as SPIRE does. */
export function fillFailedEntries(results: EntryResult[], sent: readonly types.Entry[]): void {
  results.forEach((result, i) => {
    const sentEntry = sent[i];
    if ((result.status?.code ?? 0) !== 0 && sentEntry !== undefined) result.entry = sentEntry;
  });
}

/** verb: `create` or `update`. */
export function printEntryResults(
  results: readonly EntryResult[],
  verb: 'create' | 'update',
  out: (text: string) => void,
  err: (text: string) => void,
): void {
  const failed = results.filter((r) => (r.status?.code ?? 0) !== 0);
  for (const r of results) if ((r.status?.code ?? 0) === 0 && r.entry !== undefined) out(formatEntry(r.entry));
  for (const r of failed) {
    const code = goCodeName(r.status?.code ?? 0);
    err(`Failed to ${verb} the following entry (code: ${code}, msg: ${goQuote(r.status?.message ?? '')}):\n`);
    if (r.entry !== undefined) err(formatEntry(r.entry));
  }
  if (failed.length > 0) throw new CliError(`failed to ${verb} one or more entries`);
}
