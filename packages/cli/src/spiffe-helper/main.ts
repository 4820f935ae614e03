/**
 * `spiffe-helper` / `tspire-spiffe-helper`: reads helper.conf (-config), applies -daemon-mode,
 * then runs the helper against the Workload API until SIGINT/SIGTERM (daemon mode) or writes
 * every output once (one-shot). Exit codes: 0 ok, 1 bad flags/config or no SVID in time.
 * @example process.exitCode = await main(process.argv.slice(2), { stdout, stderr, env, createClient })
 */
import { readFile, stat } from 'node:fs/promises';
import { HelpRequested, createLogger, defineFlags, systemClock, type Clock, type Logger } from '@tspire/common';
import type { WorkloadApiClient } from '@tspire/workload';
import { DEFAULT_CONFIG_FILE, parseHelperConfig, type HelperConfig } from './config.js';
import { createAtomicWriter, type FileWriter } from './file-writer.js';
import { startHealthServer } from './health.js';
import { DEFAULT_ONE_SHOT_TIMEOUT_MS, SpiffeHelper } from './helper.js';
import { ProcessNotifier, nodeNotifierDeps, type NotifierDeps } from './process-notifier.js';

/** The spiffe-helper release whose behaviour this one follows (printed by -version). */
export const SPIFFE_HELPER_COMPAT_VERSION = '0.11.0';

export interface HelperMainDeps {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Builds the Workload API client for `unix://<agent_address>`. */
  readonly createClient: (address: string) => WorkloadApiClient;
  readonly readFile?: (path: string) => Promise<string>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly writeFile?: FileWriter;
  readonly notifierDeps?: NotifierDeps;
  /** Aborts daemon mode; default SIGINT/SIGTERM. */
  readonly shutdown?: AbortSignal;
  readonly oneShotTimeoutMs?: number;
}

const flags = defineFlags({
  config: { kind: 'string', default: DEFAULT_CONFIG_FILE, usage: 'Path to the configuration file' },
  'daemon-mode': { kind: 'bool', default: true, usage: 'Toggle running as a daemon to rotate X.509/JWT or just fetch and exit' },
  version: { kind: 'bool', usage: 'print version' },
});

export async function main(argv: readonly string[], deps: HelperMainDeps): Promise<number> {
  let parsed;
  try {
    parsed = flags.parse(argv);
  } catch (err) {
    if (err instanceof HelpRequested) {
      deps.stderr.write(`Usage of spiffe-helper:\n${flags.usage()}`);
      return 0;
    }
    deps.stderr.write(`${(err as Error).message}\nUsage of spiffe-helper:\n${flags.usage()}`);
    return 2;
  }
  if (parsed.values.version) {
    deps.stdout.write(`${SPIFFE_HELPER_COMPAT_VERSION}\n`);
    return 0;
  }
  const configPath = parsed.values.config;
  let config: HelperConfig;
  const logger = deps.logger ?? createLogger({ level: 'info', format: 'text' });
  try {
    const text = await (deps.readFile ?? ((p: string) => readFile(p, 'utf8')))(configPath);
    const result = parseHelperConfig(text, {
      filename: configPath,
      env: deps.env,
      ...(parsed.set.has('daemon-mode') ? { daemonMode: parsed.values['daemon-mode'] } : {}),
    });
    config = result.config;
    for (const warning of result.warnings) logger.warn(warning);
  } catch (err) {
    deps.stderr.write(`spiffe-helper: unable to load the configuration ${JSON.stringify(configPath)}: ${(err as Error).message}\n`);
    return 1;
  }
  return run(config, deps, logger);
}

async function run(config: HelperConfig, deps: HelperMainDeps, logger: Logger): Promise<number> {
  // As the original: cert_dir must exist (it is not created), checked before anything is fetched.
  if (config.certDir !== '' && !(await stat(config.certDir).then((s) => s.isDirectory(), () => false))) {
    deps.stderr.write(`spiffe-helper: cert_dir ${JSON.stringify(config.certDir)} does not exist or is not a directory\n`);
    return 1;
  }
  let client: WorkloadApiClient;
  try {
    client = deps.createClient(config.agentAddress);
  } catch (err) {
    deps.stderr.write(`spiffe-helper: agent_address ${JSON.stringify(config.agentSocketPath)}: ${(err as Error).message}\n`);
    return 1;
  }
  const notifier = new ProcessNotifier(config, deps.notifierDeps ?? nodeNotifierDeps(logger));
  const helper = new SpiffeHelper(config, {
    client,
    clock: deps.clock ?? systemClock,
    writeFile: deps.writeFile ?? createAtomicWriter(),
    notifier,
    logger,
  });
  try {
    if (!config.daemonMode) {
      await helper.runOnce(deps.oneShotTimeoutMs ?? DEFAULT_ONE_SHOT_TIMEOUT_MS);
      logger.info('Wrote every output once; exiting (daemon_mode is false)');
      return 0;
    }
    logger.info('Starting spiffe-helper in daemon mode', { agent_address: config.agentAddress });
    const shutdown = deps.shutdown ?? signalShutdown();
    const health = config.healthChecks.listenerEnabled ? await startHealthServer(config.healthChecks, helper) : undefined;
    if (health !== undefined) logger.info('Serving health checks', { port: health.port });
    await helper.runDaemon(shutdown);
    await health?.close();
    logger.info('spiffe-helper stopped');
    return 0;
  } catch (err) {
    deps.stderr.write(`spiffe-helper: ${(err as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

/** Aborts on the first SIGINT or SIGTERM. */
function signalShutdown(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
