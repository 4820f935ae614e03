/** The filter flags of `agent list` and `agent count`, and the API filter they build. */
import { create } from '@bufbuild/protobuf';
import { parseGoBool, type FlagValues } from '@tspire/common';
import { types } from '@tspire/proto';
import { CliError } from '../../output/rpc-error.js';
import { parseMatchBehavior, parseSelector } from '../parse-helpers.js';

export const agentFilterFlags = {
  selector: { kind: 'stringList', usage: 'A colon-delimited type:value selector. Can be used more than once' },
  matchSelectorsOn: { kind: 'string', default: 'superset', usage: 'The match mode used when filtering by selectors. Options: exact, any, superset and subset' },
  attestationType: { kind: 'string', usage: 'Filter by attestation type, like join_token or x509pop.' },
  canReattest: { kind: 'string', usage: 'Filter based on string received, \'true\': agents that can reattest, \'false\': agents that can\'t reattest, other value will return all.' },
  banned: { kind: 'string', usage: 'Filter based on string received, \'true\': banned agents, \'false\': not banned agents, other value will return all.' },
  expiresBefore: { kind: 'string', usage: 'Filter by expiration time (format: "2006-01-02 15:04:05 -0700 -07")' },
} as const;

export type AgentFilterValues = FlagValues<typeof agentFilterFlags>;

export interface AgentFilterFields {
  byAttestationType?: string;
  bySelectorMatch?: types.SelectorMatch;
  byBanned?: boolean;
  byCanReattest?: boolean;
  byExpiresBefore?: string;
}

// `2006-01-02 15:04:05 -0700 -07`: the layout SPIRE's server parses.
const EXPIRES_BEFORE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} [+-]\d{2}$/;

function optionalBool(value: string, what: string): boolean | undefined {
  if (value === '') return undefined;
  const parsed = parseGoBool(value);
  if (!parsed.ok) throw new CliError(`invalid value for ${what} filter: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
  return parsed.value;
}

export function buildAgentFilter(f: AgentFilterValues): AgentFilterFields {
  const filter: AgentFilterFields = {};
  if (f.selector.length > 0) {
    const match = parseMatchBehavior(f.matchSelectorsOn, () => 'unsupported match behavior');
    const selectors = f.selector.map((s) => {
      try {
        return parseSelector(s);
      } catch (err) {
        throw new CliError(`error parsing selector "${s}": ${(err as Error).message}`);
      }
    });
    filter.bySelectorMatch = create(types.SelectorMatchSchema, { selectors, match });
  }
  if (f.attestationType !== '') filter.byAttestationType = f.attestationType;
  const canReattest = optionalBool(f.canReattest, 'can reattest');
  if (canReattest !== undefined) filter.byCanReattest = canReattest;
  const banned = optionalBool(f.banned, 'banned');
  if (banned !== undefined) filter.byBanned = banned;
  if (f.expiresBefore !== '') {
    if (!EXPIRES_BEFORE.test(f.expiresBefore)) {
      throw new CliError(`date is not valid: expected the layout "2006-01-02 15:04:05 -0700 -07", got ${JSON.stringify(f.expiresBefore)}`);
    }
    filter.byExpiresBefore = f.expiresBefore;
  }
  return filter;
}
