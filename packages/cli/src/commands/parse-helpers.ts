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

const TRUST_DOMAIN_CHARS = 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores';
const PATH_CHARS = 'path segment characters are limited to letters, numbers, dots, dashes, and underscores';

/** go-spiffe's message for each SPIFFE ID rule: SPIRE's CLI prints it bare (no input echoed). */
const GO_SPIFFE_ID_MESSAGES: Partial<Record<string, string>> = {
  ERR_ID_EMPTY: 'cannot be empty',
  ERR_ID_BAD_SCHEME: 'scheme is missing or invalid',
  ERR_ID_MISSING_TRUST_DOMAIN: 'trust domain is missing',
  ERR_ID_BAD_TRUST_DOMAIN_CHAR: TRUST_DOMAIN_CHARS,
  ERR_ID_BAD_PATH_CHAR: PATH_CHARS,
  ERR_ID_NO_LEADING_SLASH: 'path must have a leading slash',
  ERR_ID_EMPTY_SEGMENT: 'path cannot contain empty segments',
  ERR_ID_DOT_SEGMENT: 'path cannot contain dot segments',
  ERR_ID_TRAILING_SLASH: 'path cannot have a trailing slash',
};

/**
 * The message SPIRE's CLI prints for an invalid SPIFFE ID. go-spiffe has no port, userinfo,
 * query, fragment or percent-encoding rules: those characters break the character rule of the
 * part (trust domain or path) they are in.
 */
export function spiffeIdErrorMessage(text: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err instanceof Error ? err.message : String(err);
  const known = GO_SPIFFE_ID_MESSAGES[code];
  if (known !== undefined) return known;
  if (['ERR_ID_HAS_PORT', 'ERR_ID_HAS_USERINFO', 'ERR_ID_HAS_QUERY', 'ERR_ID_HAS_FRAGMENT', 'ERR_ID_PERCENT_ENCODED'].includes(code)) {
    const trustDomain = text.slice('spiffe://'.length).split('/')[0] ?? '';
    return /[:@?#%]/.test(trustDomain) ? TRUST_DOMAIN_CHARS : PATH_CHARS;
  }
  return (err as Error).message;
}

/** A SPIFFE ID string as the API's SPIFFEID message; throws CliError with go-spiffe's message. */
export function parseSpiffeIdProto(text: string): types.SPIFFEID {
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(text);
  } catch (err) {
    throw new CliError(spiffeIdErrorMessage(text, err));
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
