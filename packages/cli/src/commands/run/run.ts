/**
 * `spire-server run` and `spire-server validate`: load SPIRE's server.conf (flags override the
 * file), then start the server until SIGINT/SIGTERM, or just report whether the file is valid.
 * This is the composition root: the only place that builds the real logger and clock.
 */
import { systemClock } from '@tspire/common';
import { config as serverConfig, serverOptionsFromConfig, startServer } from '@tspire/server';
import type { CliCommand } from '../../server-cli/command.js';
import type { ResolvedDeps } from '../../server-cli/deps.js';
import { errorMessage, loadConfigAndLogger, parseRunFlags } from '../run-flags.js';

const { loadServerConfig, serverFlags } = serverConfig;


export function runCommand(deps: ResolvedDeps): CliCommand {
  return {
    synopsis: 'Runs the server',
    help: () => `Usage of server run:\n${serverFlags.usage()}`,
    async run(args) {
      const flags = parseRunFlags(serverFlags, args, deps.stderr);
      if (typeof flags === 'number') return flags;
      const loaded = loadConfigAndLogger(() => loadServerConfig({ flags, env: deps.env }), deps.stderr);
      if (typeof loaded === 'number') return loaded;
      const { config, logger } = loaded;
      let server;
      try {
        server = await startServer(serverOptionsFromConfig(config, { logger, clock: systemClock }));
      } catch (err) {
        logger.error('Server crashed', { error: errorMessage(err) });
        logger.close();
        deps.stderr.write(`${errorMessage(err)}\n`);
        return 1;
      }
      logger.info('Server started', { trust_domain: config.trustDomain.name, data_dir: config.dataDir });
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const onSignal = (s: NodeJS.Signals) => resolve(s);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        process.on('SIGUSR2', () => logger.reopen());
      });
      logger.info('Stopping server', { signal });
      await server.stop();
      logger.info('Server stopped gracefully');
      logger.close();
      return 0;
    },
  };
}

export function validateCommand(deps: ResolvedDeps): CliCommand {
  return {
    synopsis: 'Validates a SPIRE server configuration file',
    help: () => `Usage of server validate:\n${serverFlags.usage()}`,
    async run(args) {
      const flags = parseRunFlags(serverFlags, args, deps.stderr);
      if (typeof flags === 'number') return flags;
      try {
        loadServerConfig({ flags, env: deps.env });
      } catch (err) {
        deps.stderr.write(`SPIRE server configuration file is invalid: ${errorMessage(err)}\n`);
        return 1;
      }
      deps.stdout.write('SPIRE server configuration file is valid.\n');
      return 0;
    },
  };
}
