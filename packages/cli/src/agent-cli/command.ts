/**
 * The agent CLI's command registry: the same contract as the server CLI's (`CliCommand`),
 * with factories that receive the agent's dependencies.
 */
import type { CliCommand } from '../server-cli/command.js';
import type { ResolvedAgentDeps } from './deps.js';

export type { CliCommand };

/** Builds a command for one invocation. */
export type AgentCommandFactory = (deps: ResolvedAgentDeps) => CliCommand;

/** Named command factories; names are words separated by single spaces (`api fetch x509`). */
export class AgentCommandRegistry {
  readonly #factories = new Map<string, AgentCommandFactory>();

  /** Adds or replaces a command. @example registry.register('run', (deps) => new RunCommand(deps)) */
  register(name: string, factory: AgentCommandFactory): this {
    if (!/^[A-Za-z0-9_-]+( [A-Za-z0-9_-]+)*$/.test(name)) throw new Error(`invalid command name ${JSON.stringify(name)}`);
    this.#factories.set(name, factory);
    return this;
  }

  get(name: string): AgentCommandFactory | undefined {
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
