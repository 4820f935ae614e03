/**
 * The `agent {}` section with its flags applied, and a checker whose errors name the key
 * (`agent.server_port: ...`) and where it was written, or the flag that set it.
 */
import { ConfigError, parseGoDuration, type Decoded, type PlainObject } from '@tspire/common';
import { FLAG_KEYS, type ParsedAgentFlags } from './flags.js';
import { positionIn } from './raw.js';
import type { agentSectionSchema } from './schema.js';

export type AgentSection = Decoded<typeof agentSectionSchema>;

/** Which section key each given flag set, for error messages. */
export type FlagSources = Map<string, string>;

/** Flags whose string value is a Go duration (the section holds milliseconds). */
const DURATION_FLAGS: ReadonlySet<string> = new Set(['rebootstrapDelay']);

/** The section with the given flags applied over it (flags > file). */
export function applyFlags(section: AgentSection, flags: ParsedAgentFlags | undefined): { section: AgentSection; sources: FlagSources } {
  const out: Record<string, unknown> = { ...section };
  const sources: FlagSources = new Map();
  if (flags === undefined) return { section, sources };
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    if (!flags.set.has(flag as keyof typeof FLAG_KEYS)) continue;
    const value: unknown = flags.values[flag as keyof typeof FLAG_KEYS];
    // SPIRE merges flags over the file skipping empty values: `-joinToken ""` keeps the file's.
    if (value === '') continue;
    out[key] = DURATION_FLAGS.has(flag) ? flagDuration(flag, key, String(value)) : value;
    sources.set(key, flag);
  }
  return { section: out as AgentSection, sources };
}

function flagDuration(flag: string, key: string, text: string): number {
  try {
    return parseGoDuration(text);
  } catch (err) {
    throw new ConfigError(`agent.${key}`, `expected a duration such as "10m", got ${JSON.stringify(text)} (${(err as Error).message}) (set by -${flag})`);
  }
}

export class SectionChecker {
  constructor(
    private readonly raw: PlainObject | undefined,
    private readonly sources: FlagSources,
  ) {}

  /** True when `key` came from a flag rather than the file. */
  fromFlag(key: string): boolean {
    return this.sources.has(key);
  }

  error(key: string, reason: string): ConfigError {
    const top = key.split(/[.[]/)[0] ?? key;
    const flag = this.sources.get(top);
    if (flag !== undefined) return new ConfigError(`agent.${key}`, `${reason} (set by -${flag})`);
    return new ConfigError(`agent.${key}`, reason, positionIn(this.raw, top));
  }

  required(key: string, value: string | undefined): string {
    if (value === undefined || value.trim() === '') throw this.error(key, 'must be configured');
    return value;
  }

  nonNegative(key: string, value: number | undefined, fallback: number): number {
    if (value === undefined) return fallback;
    if (value < 0) throw this.error(key, `must not be negative, got ${value}`);
    return value;
  }

  parse<T>(key: string, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      throw this.error(key, (err as Error).message);
    }
  }
}
