/**
 * Flag parsing shared by `spire-server run|validate` and `spire-agent run|validate`: `-h` prints
 * Go's usage and ends with 0, a bad flag prints the error and the usage and ends with 1.
 */
import { HelpRequested, type FlagSet, type FlagSpecs, type ParsedFlags } from '@tspire/common';
import type { TextSink } from '../server-cli/deps.js';

/** The parsed flags, or the exit code when the command must end now (help, bad flag). */
export function parseRunFlags<S extends FlagSpecs>(flags: FlagSet<S>, args: readonly string[], stderr: TextSink): ParsedFlags<S> | number {
  try {
    return flags.parse(args);
  } catch (err) {
    if (err instanceof HelpRequested) {
      stderr.write(flags.usage());
      return 0;
    }
    stderr.write(`${errorMessage(err)}\n${flags.usage()}`);
    return 1;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
