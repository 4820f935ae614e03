#!/usr/bin/env node
// spire-server / tspire-server: SPIRE's server CLI. `run` and `validate` start or check the
// server; every other command talks to a running server over the admin API socket.
import { runCommand, validateCommand } from '../commands/run/run.js';
import { createServerCommandRegistry } from '../server-cli/commands.js';
import { main } from '../server-cli/main.js';

const registry = createServerCommandRegistry().register('run', runCommand).register('validate', validateCommand);
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  registry,
});
process.exitCode = code;
