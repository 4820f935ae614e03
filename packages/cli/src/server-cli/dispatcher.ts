/**
 * A dispatcher that behaves like mitchellh/cli (SPIRE's): nested commands by longest prefix,
 * `-v`/`-version`/`--version` before the command, `-h`/`-help`/`--help` anywhere, help on
 * stderr, unknown commands listed with exit code 127, group words (`entry`) print their
 * subcommands with exit code 1.
 */
import type { CliCommand, CommandRegistry } from './command.js';
import type { ResolvedDeps } from './deps.js';

interface ParsedArgs {
  subcommand: string;
  subcommandArgs: string[];
  topFlags: string[];
  isHelp: boolean;
  isVersion: boolean;
}

const GROUP_HELP = 'This command is accessed by using one of the subcommands below.';

/** Every name the tree knows: registered commands and their implied parents (`entry`). */
function allNames(registry: CommandRegistry): Set<string> {
  const names = new Set(registry.names());
  for (const name of registry.names()) {
    const words = name.split(' ');
    for (let i = 1; i < words.length; i++) names.add(words.slice(0, i).join(' '));
  }
  return names;
}

function parseArgs(args: readonly string[], names: ReadonlySet<string>): ParsedArgs {
  const parsed: ParsedArgs = { subcommand: '', subcommandArgs: [], topFlags: [], isHelp: false, isVersion: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    if (arg === '-h' || arg === '-help' || arg === '--help') {
      parsed.isHelp = true;
      continue;
    }
    if (parsed.subcommand === '') {
      if (arg === '-v' || arg === '-version' || arg === '--version') {
        parsed.isVersion = true;
        continue;
      }
      if (arg.startsWith('-')) parsed.topFlags.push(arg);
    }
    if (parsed.subcommand === '' && arg !== '' && !arg.startsWith('-')) {
      parsed.subcommand = arg;
      // Longest run of words that names a command: `entry create -x` -> `entry create`.
      for (let end = args.length; end > i; end--) {
        const candidate = args.slice(i, end).join(' ');
        if (names.has(candidate)) {
          parsed.subcommand = candidate;
          i = end - 1;
          break;
        }
      }
      parsed.subcommandArgs = args.slice(i + 1);
    }
  }
  return parsed;
}

/** Immediate children of `prefix` ('' = top level), sorted. */
function childrenOf(prefix: string, names: ReadonlySet<string>): string[] {
  const start = prefix === '' ? '' : `${prefix} `;
  return [...names].filter((n) => n.startsWith(start) && n !== prefix && !n.slice(start.length).includes(' ')).sort();
}

export class Dispatcher {
  readonly #names: Set<string>;

  constructor(
    private readonly name: string,
    private readonly registry: CommandRegistry,
    private readonly deps: ResolvedDeps,
  ) {
    this.#names = allNames(registry);
  }

  #synopsis(name: string): string {
    const factory = this.registry.get(name);
    return factory === undefined ? '' : factory(this.deps).synopsis;
  }

  /** The general help: usage line and the aligned command list. */
  generalHelp(prefix: string): string {
    const keys = childrenOf(prefix, this.#names);
    const width = Math.max(0, ...keys.map((k) => k.length));
    const lines = keys.map((k) => `    ${k.padEnd(width)}    ${this.#synopsis(k)}\n`).join('');
    return `Usage: ${this.name} [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n${lines}`;
  }

  /** Help of one command, with its subcommands when it has any. */
  #commandHelp(subcommand: string, helpText: string): string {
    const keys = childrenOf(subcommand, this.#names);
    let text = helpText.trim();
    if (keys.length > 0) {
      const width = Math.max(...keys.map((k) => k.length));
      const rows = keys.map((k) => `    ${(k.split(' ').pop() ?? k) + ' '.repeat(width - k.length)}    ${this.#synopsis(k)}`);
      text += `\n\nSubcommands:\n${rows.join('\n')}`;
    }
    return `${text}\n`;
  }

  #command(subcommand: string): CliCommand {
    const factory = this.registry.get(subcommand);
    if (factory !== undefined) return factory(this.deps);
    // An implied parent such as `entry`: shows its subcommands.
    return { synopsis: '', help: () => GROUP_HELP, run: async () => -1 };
  }

  async run(args: readonly string[]): Promise<number> {
    const err = (text: string): void => void this.deps.stderr.write(text);
    const parsed = parseArgs(args, this.#names);
    if (parsed.isVersion && this.deps.version !== '') {
      err(`${this.deps.version}\n`);
      return 0;
    }
    if (parsed.isHelp && parsed.subcommand === '') {
      err(`${this.generalHelp('')}\n`);
      return 0;
    }
    if (!this.#names.has(parsed.subcommand)) {
      const words = parsed.subcommand.trimEnd().split(' ');
      err(`${this.generalHelp(words.slice(0, -1).join(' '))}\n`);
      return 127;
    }
    const command = this.#command(parsed.subcommand);
    if (parsed.isHelp) {
      err(this.#commandHelp(parsed.subcommand, command.help()));
      return 0;
    }
    if (parsed.topFlags.length > 0) {
      err('Invalid flags before the subcommand. If these flags are for\nthe subcommand, please put them after the subcommand.\n\n');
      err(this.#commandHelp(parsed.subcommand, command.help()));
      return 1;
    }
    const code = await command.run(parsed.subcommandArgs);
    if (code === -1) {
      err(this.#commandHelp(parsed.subcommand, command.help()));
      return 1;
    }
    return code;
  }
}
