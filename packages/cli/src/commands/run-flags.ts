/**
 * Flag parsing shared by `spire-server run|validate` and `spire-agent run|validate`: `-h` prints
 * Go's usage and ends with 0, a bad flag prints the error and the usage and ends with 1. Also the
 * step both `run`s take next: load the config and build the real logger from its log_* keys.
 */
import { HelpRequested, createLogger, type FlagSet, type FlagSpecs, type LogFormat, type LogLevel, type ManagedLogger, type ParsedFlags } from '@tspire/common';
import type { TextSink } from '../server-cli/deps.js';

/** The parsed flags, or the exit code when the command must end now (help, bad flag). */
export function parseRunFlags<S extends FlagSpecs>(flags: FlagSet<S>, args: readonly string[], stderr: TextSink): ParsedFlags<S> | number {
  try {
    return flags.parse(args);
  } catch (err) {
    if (err instanceof HelpRequested) {
      stderr.write(flags.usage());
      return 0;
    }
    stderr.write(`${errorMessage(err)}\n${flags.usage()}`);
    return 1;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The log keys every daemon config has. */
interface LogSettings {
  logLevel: LogLevel;
  logFormat: LogFormat;
  logFile?: string | undefined;
}

/**
 * Loads the config with `load` and builds the logger it asks for; each warning is logged. On a
 * bad config or an unusable log file, prints the error and returns exit code 1.
 */
export function loadConfigAndLogger<C extends LogSettings>(
  load: () => { config: C; warnings: string[] },
  stderr: TextSink,
): { config: C; logger: ManagedLogger } | number {
  try {
    const { config, warnings } = load();
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, ...(config.logFile ? { file: config.logFile } : {}) });
    for (const warning of warnings) logger.warn(warning);
    return { config, logger };
  } catch (err) {
    stderr.write(`${errorMessage(err)}\n`);
    return 1;
  }
}
