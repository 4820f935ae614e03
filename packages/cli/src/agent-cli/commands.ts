/** The built-in `spire-agent` commands: `run`, `validate` and the Workload API side. */
import { fetchJwtCommand } from '../commands/agent-api/fetch-jwt.js';
import { fetchX509Command } from '../commands/agent-api/fetch-x509.js';
import { validateJwtCommand } from '../commands/agent-api/validate-jwt.js';
import { watchCommand } from '../commands/agent-api/watch.js';
import { agentHealthcheckCommand } from '../commands/agent-healthcheck/healthcheck.js';
import { agentRunCommand, agentValidateCommand } from '../commands/agent-run/run.js';
import { AgentCommandRegistry } from './command.js';

/** A registry holding every built-in Workload API command. */
export function createAgentCommandRegistry(): AgentCommandRegistry {
  return new AgentCommandRegistry()
    .register('run', agentRunCommand)
    .register('validate', agentValidateCommand)
    .register('healthcheck', agentHealthcheckCommand)
    .register('api fetch', fetchX509Command)
    .register('api fetch x509', fetchX509Command)
    .register('api fetch jwt', fetchJwtCommand)
    .register('api validate jwt', validateJwtCommand)
    .register('api watch', watchCommand);
}
