/**
 * Entry point of `spire-agent` (and `tspire-agent`) for the Workload API commands; `run` and
 * `validate` are registered by whoever composes the binary. The server CLI's mitchellh-style
 * dispatcher is reused as is: each agent factory is bound to the agent's dependencies.
 * @example process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })
 */
import { CommandRegistry } from '../server-cli/command.js';
import { resolveDeps } from '../server-cli/deps.js';
import { Dispatcher } from '../server-cli/dispatcher.js';
import type { AgentCommandRegistry } from './command.js';
import { createAgentCommandRegistry } from './commands.js';
import { resolveAgentDeps, type AgentCliDeps } from './deps.js';

export interface AgentMainOptions extends AgentCliDeps {
  /** Commands to offer; defaults to the built-in Workload API commands. */
  readonly registry?: AgentCommandRegistry;
  /** Program name in help text. */
  readonly programName?: string;
}

/** Runs one invocation; resolves to the process exit code. */
export async function main(argv: readonly string[], options: AgentMainOptions): Promise<number> {
  const deps = resolveAgentDeps(options);
  const agentRegistry = options.registry ?? createAgentCommandRegistry();
  const bound = new CommandRegistry();
  for (const name of agentRegistry.names()) {
    const factory = agentRegistry.get(name);
    if (factory !== undefined) bound.register(name, () => factory(deps));
  }
  // The dispatcher itself only prints to stderr and the version.
  const dispatcherDeps = resolveDeps({ stdout: deps.stdout, stderr: deps.stderr, env: deps.env, version: deps.version });
  return new Dispatcher(options.programName ?? 'spire-agent', bound, dispatcherDeps).run(argv);
}
