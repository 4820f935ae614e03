/**
 * The built-in `spire-server` commands. `run` and `validate` live with the server and are
 * added by whoever composes the binary: `createServerCommandRegistry().register('run', ...)`.
 */
import { agentBanCommand, agentEvictCommand, agentShowCommand } from '../commands/agent/by-id.js';
import { agentCountCommand } from '../commands/agent/count.js';
import { agentListCommand } from '../commands/agent/list.js';
import { agentPurgeCommand } from '../commands/agent/purge.js';
import { bundleCountCommand } from '../commands/bundle/count.js';
import { bundleDeleteCommand } from '../commands/bundle/delete.js';
import { bundleListCommand } from '../commands/bundle/list.js';
import { bundleSetCommand } from '../commands/bundle/set.js';
import { bundleShowCommand } from '../commands/bundle/show.js';
import { entryCountCommand } from '../commands/entry/count.js';
import { entryCreateCommand } from '../commands/entry/create.js';
import { entryDeleteCommand } from '../commands/entry/delete.js';
import { entryShowCommand } from '../commands/entry/show.js';
import { entryUpdateCommand } from '../commands/entry/update.js';
import { debugGetInfoCommand } from '../commands/debug/getinfo.js';
import { healthcheckCommand } from '../commands/healthcheck/healthcheck.js';
import { jwtMintCommand } from '../commands/jwt/mint.js';
import { tokenGenerateCommand } from '../commands/token/generate.js';
import { x509MintCommand } from '../commands/x509/mint.js';
import { CommandRegistry } from './command.js';

/** A registry holding every built-in admin command. */
export function createServerCommandRegistry(): CommandRegistry {
  return new CommandRegistry()
    .register('healthcheck', healthcheckCommand)
    .register('token generate', tokenGenerateCommand)
    .register('entry create', entryCreateCommand)
    .register('entry update', entryUpdateCommand)
    .register('entry delete', entryDeleteCommand)
    .register('entry show', entryShowCommand)
    .register('entry count', entryCountCommand)
    .register('bundle show', bundleShowCommand)
    .register('bundle list', bundleListCommand)
    .register('bundle set', bundleSetCommand)
    .register('bundle delete', bundleDeleteCommand)
    .register('bundle count', bundleCountCommand)
    .register('agent list', agentListCommand)
    .register('agent show', agentShowCommand)
    .register('agent count', agentCountCommand)
    .register('agent evict', agentEvictCommand)
    .register('agent ban', agentBanCommand)
    .register('agent purge', agentPurgeCommand)
    .register('x509 mint', x509MintCommand)
    .register('jwt mint', jwtMintCommand)
    .register('debug getinfo', debugGetInfoCommand);
}
