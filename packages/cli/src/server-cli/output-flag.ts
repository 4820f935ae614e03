/**
 * SPIRE's `-output` flag: `pretty` (also `prettyprint`) or `json`, any case; giving it again
 * with a different spelling is an error. Errors read as Go's flag package prints them.
 */
import { TspireError } from '@tspire/common';

export type OutputMode = 'pretty' | 'json';

function toMode(value: string): OutputMode | undefined {
  switch (value.toLowerCase()) {
    case 'json':
      return 'json';
    case 'pretty':
    case 'prettyprint':
      return 'pretty';
    default:
      return undefined;
  }
}

/** The mode from every `-output` value given (in order); throws a Go flag error. */
export function parseOutputFlag(values: readonly string[]): OutputMode {
  let mode: OutputMode | undefined;
  for (const value of values) {
    const invalid = (reason: string): TspireError =>
      new TspireError('ERR_CONFIG_FLAG_INVALID_VALUE', `invalid value ${JSON.stringify(value)} for flag -output: ${reason}`);
    if (mode !== undefined && mode !== value) throw invalid(`the output format has already been set to ${JSON.stringify(mode)}`);
    const next = toMode(value);
    if (next === undefined) throw invalid(`bad formatter flag: unknown output format ${JSON.stringify(value)}`);
    mode = next;
  }
  return mode ?? 'pretty';
}
