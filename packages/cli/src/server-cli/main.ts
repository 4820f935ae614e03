/**
 * Entry point of `spire-server` (and `tspire-server`) for every command except those the
 * server package adds. @example process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })
 */
import type { CommandRegistry } from './command.js';
import { createServerCommandRegistry } from './commands.js';
import { resolveDeps, type ServerCliDeps } from './deps.js';
import { Dispatcher } from './dispatcher.js';

export interface MainOptions extends ServerCliDeps {
  /** Commands to offer; defaults to the built-in admin commands. */
  readonly registry?: CommandRegistry;
  /** Program name in help text. */
  readonly programName?: string;
}

/** Runs one invocation; resolves to the process exit code. */
export async function main(argv: readonly string[], options: MainOptions): Promise<number> {
  const deps = resolveDeps(options);
  const registry = options.registry ?? createServerCommandRegistry();
  return new Dispatcher(options.programName ?? 'spire-server', registry, deps).run(argv);
}
