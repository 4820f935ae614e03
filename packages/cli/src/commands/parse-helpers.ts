/**
 * Parsing shared by the commands: `type:value` selectors (split at the first colon), SPIFFE
 * IDs into proto form, match-behaviour words, int32 ranges, and file-or-stdin input.
 */
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { SpiffeId } from '@tspire/spiffe';
import type { ResolvedDeps } from '../server-cli/deps.js';
import { CliError } from '../output/rpc-error.js';

/** `unix:uid:1000` -> type `unix`, value `uid:1000`. */
export function parseSelector(text: string): types.Selector {
  const colon = text.indexOf(':');
  if (colon === -1) throw new CliError(`selector "${text}" must be formatted as type:value`);
  return create(types.SelectorSchema, { type: text.slice(0, colon), value: text.slice(colon + 1) });
}

/** A SPIFFE ID string as the API's SPIFFEID message; throws CliError naming the broken rule. */
export function parseSpiffeIdProto(text: string): types.SPIFFEID {
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(text);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  return create(types.SPIFFEIDSchema, { trustDomain: id.trustDomain.name, path: id.path });
}

/** `exact`, `any`, `superset`, `subset` as SelectorMatch.MatchBehavior. */
export function parseMatchBehavior(word: string, unknownMessage: (word: string) => string): types.SelectorMatch_MatchBehavior {
  switch (word) {
    case 'exact':
      return types.SelectorMatch_MatchBehavior.MATCH_EXACT;
    case 'any':
      return types.SelectorMatch_MatchBehavior.MATCH_ANY;
    case 'superset':
      return types.SelectorMatch_MatchBehavior.MATCH_SUPERSET;
    case 'subset':
      return types.SelectorMatch_MatchBehavior.MATCH_SUBSET;
    default:
      throw new CliError(unknownMessage(word));
  }
}

/** Checks that a flag value fits the API's int32 field. */
export function toInt32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw new CliError(`invalid value for ${what}: ${value} does not fit in an int32`);
  }
  return value;
}

/** Reads `path`, or stdin when it is `-` (as SPIRE's -data and -file flags). */
export async function readInput(deps: ResolvedDeps, path: string): Promise<Uint8Array> {
  if (path === '-') return deps.readStdin();
  try {
    return await deps.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : err instanceof Error ? err.message : String(err);
    throw new CliError(`open ${path}: ${reason}`);
  }
}
