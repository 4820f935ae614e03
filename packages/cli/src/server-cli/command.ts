/**
 * The command contract of the dispatcher (as mitchellh/cli): a synopsis for the command list,
 * help text for `-h`, and `run` returning the exit code. Commands are registered by their full
 * space-separated name (`entry create`), so `run` and `validate` can be added by other code.
 */
import type { ResolvedDeps } from './deps.js';

export interface CliCommand {
  /** One line for the command list. */
  readonly synopsis: string;
  /** Text printed (to stderr) for `-h`; exit code 0. */
  help(): string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Builds a command for one invocation. */
export type CommandFactory = (deps: ResolvedDeps) => CliCommand;

/** Named command factories; names are words separated by single spaces. */
export class CommandRegistry {
  readonly #factories = new Map<string, CommandFactory>();

  /** Adds or replaces a command. @example registry.register('run', (deps) => new RunCommand(deps)) */
  register(name: string, factory: CommandFactory): this {
    if (!/^[A-Za-z0-9_-]+( [A-Za-z0-9_-]+)*$/.test(name)) throw new Error(`invalid command name ${JSON.stringify(name)}`);
    this.#factories.set(name, factory);
    return this;
  }

  get(name: string): CommandFactory | undefined {
    return this.#factories.get(name);
  }

  has(name: string): boolean {
    return this.#factories.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#factories.keys()].sort();
  }
}
