/**
 * Go `flag` package semantics for SPIRE-compatible CLIs: `-name value`, `-name=value`,
 * `--name`; booleans only as `-b` or `-b=false`; repeatable list flags; parsing stops at the
 * first non-flag argument or after `--`. Errors and usage text read as Go prints them.
 */
import { TspireError } from '../errors/tspire-error.js';
import { formatGoDuration, parseGoDuration } from '../duration.js';
import { parseGoBool, parseGoFloat, parseGoInt } from '../go-strconv.js';

export type FlagKind = 'string' | 'int' | 'float' | 'bool' | 'duration' | 'stringList';

interface FlagValueTypes {
  string: string;
  int: number;
  float: number;
  bool: boolean;
  /** Milliseconds. */
  duration: number;
  stringList: string[];
}

/** One flag. `default` for a duration may be Go syntax ('720h') or milliseconds. */
export type FlagSpec = {
  [K in FlagKind]: {
    readonly kind: K;
    /** Help text; a `backquoted` word names the value in usage, as in Go. */
    readonly usage?: string;
    readonly default?: K extends 'duration' ? number | string : K extends 'stringList' ? readonly string[] : FlagValueTypes[K];
  };
}[FlagKind];

export type FlagSpecs = { readonly [name: string]: FlagSpec };

/** The typed value of every flag (defaults for those not given). */
export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: FlagValueTypes[S[K]['kind']] };

export interface ParsedFlags<S extends FlagSpecs> {
  readonly values: FlagValues<S>;
  /** Arguments after the flags (from the first non-flag argument, or after `--`). */
  readonly args: string[];
  /** Names of the flags given on the command line. */
  readonly set: ReadonlySet<keyof S & string>;
}

/** `-h` or `-help` was given (and the command defines no such flag): print usage, exit 0. */
export class HelpRequested extends TspireError<'ERR_CONFIG_FLAG_HELP'> {
  override name = 'HelpRequested';
  constructor() {
    super('ERR_CONFIG_FLAG_HELP', 'flag: help requested');
  }
}

const ZERO: Readonly<Record<FlagKind, unknown>> = { string: '', int: 0, float: 0, bool: false, duration: 0, stringList: [] };

export class FlagSet<S extends FlagSpecs> {
  private readonly defaults: Record<string, unknown> = {};

  constructor(private readonly specs: S) {
    for (const [name, spec] of Object.entries(specs)) {
      if (name === '' || name.startsWith('-') || name.includes('=')) throw new Error(`invalid flag name ${JSON.stringify(name)}`);
      this.defaults[name] = defaultOf(spec);
    }
  }

  /**
   * Parses argv (without the program and command names). Throws TspireError with a Go
   * message (ERR_CONFIG_FLAG_*), or HelpRequested.
   */
  parse(argv: readonly string[]): ParsedFlags<S> {
    const values: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.defaults)) values[name] = Array.isArray(value) ? [...value] : value;
    const set = new Set<string>();
    let i = 0;
    while (i < argv.length) {
      const arg = argv[i] ?? '';
      if (arg.length < 2 || !arg.startsWith('-')) break;
      i++;
      if (arg === '--') break;
      const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
      if (body === '' || body.startsWith('-') || body.startsWith('=')) {
        throw new TspireError('ERR_CONFIG_FLAG_SYNTAX', `bad flag syntax: ${arg}`);
      }
      const eq = body.indexOf('=');
      const name = eq === -1 ? body : body.slice(0, eq);
      let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
      const spec = Object.prototype.hasOwnProperty.call(this.specs, name) ? this.specs[name] : undefined;
      if (spec === undefined) {
        if (name === 'h' || name === 'help') throw new HelpRequested();
        throw new TspireError('ERR_CONFIG_FLAG_UNDEFINED', `flag provided but not defined: -${name}`);
      }
      if (spec.kind !== 'bool' && value === undefined) {
        if (i >= argv.length) throw new TspireError('ERR_CONFIG_FLAG_NEEDS_ARGUMENT', `flag needs an argument: -${name}`);
        value = argv[i++];
      }
      const previous = set.has(name) ? values[name] : undefined;
      values[name] = convert(name, spec, value, previous);
      set.add(name);
    }
    return { values: values as FlagValues<S>, args: argv.slice(i), set: set as Set<keyof S & string> };
  }

  /** Go's PrintDefaults: flags sorted by name, `  -name type\n    \tusage (default x)`. */
  usage(): string {
    const names = Object.keys(this.specs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => this.usageOf(name, this.specs[name] as FlagSpec)).join('');
  }

  private usageOf(name: string, spec: FlagSpec): string {
    const { valueName, text } = unquoteUsage(spec);
    let line = `  -${name}`;
    if (valueName !== '') line += ` ${valueName}`;
    line += line.length <= 4 ? '\t' : '\n    \t';
    line += text.replaceAll('\n', '\n    \t');
    const shown = defaultText(spec, this.defaults[name]);
    if (shown !== undefined) line += ` (default ${shown})`;
    return `${line}\n`;
  }
}

/** Declares a command's flags. @example defineFlags({ ttl: { kind: 'int', default: 600 } }).parse(['-ttl', '60']) */
export function defineFlags<S extends FlagSpecs>(specs: S): FlagSet<S> {
  return new FlagSet(specs);
}

function defaultOf(spec: FlagSpec): unknown {
  if (spec.default === undefined) return ZERO[spec.kind];
  if (spec.kind === 'duration' && typeof spec.default === 'string') return parseGoDuration(spec.default);
  return spec.default;
}

function convert(name: string, spec: FlagSpec, value: string | undefined, previous: unknown): unknown {
  const invalid = (reason: string): never => {
    throw new TspireError('ERR_CONFIG_FLAG_INVALID_VALUE', `invalid value ${JSON.stringify(value)} for flag -${name}: ${reason}`);
  };
  switch (spec.kind) {
    case 'bool': {
      if (value === undefined) return true;
      const parsed = parseGoBool(value);
      if (parsed.ok) return parsed.value;
      throw new TspireError('ERR_CONFIG_FLAG_INVALID_VALUE', `invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
    }
    case 'string':
      return value ?? '';
    case 'stringList':
      // The first explicit use replaces the default; later uses append.
      return [...(Array.isArray(previous) ? (previous as string[]) : []), value ?? ''];
    case 'int': {
      const parsed = parseGoInt(value ?? '');
      return parsed.ok ? parsed.value : invalid(parsed.reason);
    }
    case 'float': {
      const parsed = parseGoFloat(value ?? '');
      return parsed.ok ? parsed.value : invalid(parsed.reason);
    }
    case 'duration':
      try {
        return parseGoDuration(value ?? '');
      } catch {
        return invalid('parse error');
      }
  }
}

const TYPE_NAMES: Readonly<Record<FlagKind, string>> = {
  bool: '', string: 'string', int: 'int', float: 'float', duration: 'duration', stringList: 'value',
};

/** Go's UnquoteUsage: a `backquoted` word in the usage names the value; else the type does. */
function unquoteUsage(spec: FlagSpec): { valueName: string; text: string } {
  const usage = spec.usage ?? '';
  const match = /`([^`]*)`/.exec(usage);
  if (match !== null) return { valueName: match[1] ?? '', text: usage.replace(/`([^`]*)`/, '$1') };
  return { valueName: TYPE_NAMES[spec.kind], text: usage };
}

/** The `(default ...)` text, or undefined when the default is the type's zero value. */
function defaultText(spec: FlagSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'string': return value === '' ? undefined : JSON.stringify(value);
    case 'bool': return value === true ? 'true' : undefined;
    case 'int': case 'float': return value === 0 ? undefined : String(value);
    case 'duration': return value === 0 ? undefined : formatGoDuration(value as number);
    case 'stringList': {
      const list = value as string[];
      return list.length === 0 ? undefined : `[${list.join(' ')}]`;
    }
  }
}
