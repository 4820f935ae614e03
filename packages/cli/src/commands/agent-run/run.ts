/**
 * `spire-agent run` and `spire-agent validate`: load SPIRE's agent.conf (flags override the file),
 * then run the agent until SIGINT/SIGTERM (or until the server bans it), or just report whether
 * the file is valid. The composition root of the agent: the only place that builds the real
 * logger and clock.
 */
import { systemClock } from '@tspire/common';
import { config as agentConfig, startAgent } from '@tspire/agent';
import type { CliCommand } from '../../agent-cli/command.js';
import type { ResolvedAgentDeps } from '../../agent-cli/deps.js';
import { errorMessage, loadConfigAndLogger, parseRunFlags } from '../run-flags.js';

const { agentFlags, loadAgentConfig, validateAgentConfig } = agentConfig;


export function agentRunCommand(deps: ResolvedAgentDeps): CliCommand {
  return {
    synopsis: 'Runs the agent',
    help: () => `Usage of agent run:\n${agentFlags.usage()}`,
    async run(args) {
      const flags = parseRunFlags(agentFlags, args, deps.stderr);
      if (typeof flags === 'number') return flags;
      const loaded = loadConfigAndLogger(() => loadAgentConfig({ flags, env: deps.env }), deps.stderr);
      if (typeof loaded === 'number') return loaded;
      const { config, logger } = loaded;
      let fatal: ((err: Error) => void) | undefined;
      const fatalError = new Promise<Error>((resolve) => { fatal = resolve; });
      let agent;
      try {
        agent = await startAgent(config, { logger, clock: systemClock, onFatal: (err) => fatal?.(err), agentVersion: deps.version });
      } catch (err) {
        logger.error('Agent crashed', { error: errorMessage(err) });
        logger.close();
        deps.stderr.write(`${errorMessage(err)}\n`);
        return 1;
      }
      logger.info('Agent started', { trust_domain: config.trustDomain.name, agent_id: redactToken(agent.manager.agentSpiffeId ?? '') });
      const outcome = await Promise.race([
        new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
          process.on('SIGUSR2', () => logger.reopen());
        }),
        fatalError,
      ]);
      if (outcome instanceof Error) logger.error('Agent stopping', { error: outcome.message });
      else logger.info('Stopping agent', { signal: outcome });
      await agent.stop();
      logger.info('Agent stopped');
      logger.close();
      if (outcome instanceof Error) {
        deps.stderr.write(`${outcome.message}\n`);
        return 1;
      }
      return 0;
    },
  };
}

/** A join-token agent ID carries the token: keep it out of logs. */
function redactToken(agentId: string): string {
  return agentId.replace(/\/join_token\/.+$/, '/join_token/[redacted]');
}

export function agentValidateCommand(deps: ResolvedAgentDeps): CliCommand {
  return {
    synopsis: 'Validates a SPIRE agent configuration file',
    help: () => `Usage of agent validate:\n${agentFlags.usage()}`,
    async run(args) {
      const flags = parseRunFlags(agentFlags, args, deps.stderr);
      if (typeof flags === 'number') return flags;
      const result = validateAgentConfig({ flags, env: deps.env });
      if (!result.valid) {
        deps.stderr.write(`${result.message}\n`);
        return 1;
      }
      deps.stdout.write(`${result.message}\n`);
      return 0;
    },
  };
}
