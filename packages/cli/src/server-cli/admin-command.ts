/**
 * Turns a command spec into a CliCommand the way SPIRE's adapter does: Go-style flags plus
 * `-socketPath`, `-instance` (and `-output`), a connection to the admin socket, and every error
 * printed as `Error: <message>` on stderr with exit code 1.
 */
import { defineFlags, HelpRequested, isTspireError, type FlagSpecs, type FlagValues } from '@tspire/common';
import type { AdminClient } from '../admin-client.js';
import { formatProtoJson, type ProtoItem } from '../output/proto-json.js';
import { describeError } from '../output/rpc-error.js';
import { defaultSocketPath, resolveSocketPath } from '../socket-path.js';
import type { CliCommand, CommandFactory } from './command.js';
import type { ResolvedDeps } from './deps.js';
import { parseOutputFlag, type OutputMode } from './output-flag.js';

export interface AdminContext<S extends FlagSpecs> {
  readonly flags: FlagValues<S>;
  /** Flags given on the command line. */
  readonly given: ReadonlySet<string>;
  readonly client: AdminClient;
  readonly output: OutputMode;
  readonly deps: ResolvedDeps;
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** JSON mode: prints the messages; pretty mode: runs `pretty` (which may print and throw). */
  emit(items: readonly ProtoItem[], pretty: () => void | Promise<void>): Promise<void>;
}

export interface AdminCommandSpec<S extends FlagSpecs> {
  /** Full name, e.g. `entry create` (also the FlagSet name in usage). */
  readonly name: string;
  readonly synopsis: string;
  readonly flags: S;
  /** Adds `-output pretty|json` (every admin command except healthcheck). */
  readonly output: boolean;
  /** Does the work; throw to print `Error: <message>` and exit 1. */
  run(ctx: AdminContext<S>): Promise<void>;
}

function commonFlags(deps: ResolvedDeps, output: boolean): FlagSpecs {
  return {
    socketPath: { kind: 'string', default: defaultSocketPath(deps.env), usage: 'Path to the SPIRE Server API socket' },
    instance: { kind: 'string', usage: 'Instance name to substitute into socket templates' },
    ...(output ? { output: { kind: 'stringList', usage: 'Desired output format (pretty, json); default: pretty.' } } : {}),
  };
}

/** A factory for the registry. */
export function adminCommand<S extends FlagSpecs>(spec: AdminCommandSpec<S>): CommandFactory {
  return (deps) => new AdminCommand(spec, deps);
}

class AdminCommand<S extends FlagSpecs> implements CliCommand {
  readonly synopsis: string;
  readonly #flagSet;

  constructor(
    private readonly spec: AdminCommandSpec<S>,
    private readonly deps: ResolvedDeps,
  ) {
    this.synopsis = spec.synopsis;
    this.#flagSet = defineFlags({ ...spec.flags, ...commonFlags(deps, spec.output) });
  }

  #usage(): string {
    return `Usage of ${this.spec.name}:\n${this.#flagSet.usage()}`;
  }

  help(): string {
    return `${this.#usage()}flag: help requested`;
  }

  async run(args: readonly string[]): Promise<number> {
    const write = (text: string): void => void this.deps.stderr.write(text);
    let parsed;
    let output: OutputMode = 'pretty';
    try {
      parsed = this.#flagSet.parse(args);
      if (this.spec.output) output = parseOutputFlag(parsed.values['output'] as string[]);
    } catch (err) {
      if (err instanceof HelpRequested) {
        write(this.#usage());
        return 0;
      }
      if (isTspireError(err)) {
        write(`${err.message}\n${this.#usage()}`);
        return 1;
      }
      throw err;
    }
    let client: AdminClient | undefined;
    try {
      const values = parsed.values as Record<string, unknown>;
      const socketPath = resolveSocketPath(
        { socketPath: values['socketPath'] as string, socketPathGiven: parsed.set.has('socketPath'), instance: values['instance'] as string },
        this.deps.env,
      );
      client = await this.deps.connect(socketPath);
      await this.spec.run(this.#context(parsed.values as FlagValues<S>, parsed.set, client, output));
      return 0;
    } catch (err) {
      write(`Error: ${describeError(err)}\n`);
      return 1;
    } finally {
      client?.close();
    }
  }

  #context(flags: FlagValues<S>, given: ReadonlySet<string>, client: AdminClient, output: OutputMode): AdminContext<S> {
    const out = (text: string): void => void this.deps.stdout.write(text);
    return {
      flags,
      given,
      client,
      output,
      deps: this.deps,
      out,
      err: (text) => void this.deps.stderr.write(text),
      emit: async (items, pretty) => {
        if (output === 'json') out(formatProtoJson(items));
        else await pretty();
      },
    };
  }
}
