#!/usr/bin/env node
// spire-server / tspire-server: SPIRE's server CLI. `run` and `validate` start or check the
// server; every other command talks to a running server over the admin API socket.
import { createServerCommandRegistry } from '../server-cli/commands.js';
import { main } from '../server-cli/main.js';

const args = process.argv.slice(2);
const registry = createServerCommandRegistry();
// `run`/`validate` pull in the whole server (datastores, CA, logger): load them only when the
// invocation is not an admin command, which roughly halves the start-up time of admin commands.
const adminCommand = registry.has(args.slice(0, 2).join(' ')) || registry.has(args[0] ?? '');
if (!adminCommand) {
  const { runCommand, validateCommand } = await import('../commands/run/run.js');
  registry.register('run', runCommand).register('validate', validateCommand);
}
const code = await main(args, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  registry,
});
process.exitCode = code;
