/**
 * Where the server CLI finds the admin socket: `-socketPath` when given, else `-instance`
 * expanded into SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE (`%i`), else SPIRE_SERVER_PRIVATE_SOCKET,
 * else SPIRE's default path.
 */
import { CliError } from './output/rpc-error.js';

export const DEFAULT_SERVER_SOCKET_PATH = '/tmp/spire-server/private/api.sock';
export const SOCKET_ENV = 'SPIRE_SERVER_PRIVATE_SOCKET';
export const SOCKET_TEMPLATE_ENV = 'SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The `-socketPath` default shown in usage: the env override or SPIRE's default. */
export function defaultSocketPath(env: Environment): string {
  const fromEnv = env[SOCKET_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_SERVER_SOCKET_PATH;
}

export interface SocketFlags {
  readonly socketPath: string;
  /** True when -socketPath was given on the command line. */
  readonly socketPathGiven: boolean;
  readonly instance: string;
}

/** Resolves the admin socket path; throws CliError when -instance has no template to fill. */
export function resolveSocketPath(flags: SocketFlags, env: Environment): string {
  if (flags.socketPathGiven || flags.instance === '') return flags.socketPath;
  const template = env[SOCKET_TEMPLATE_ENV];
  if (template === undefined || template === '') {
    throw new CliError(`the -instance flag requires the ${SOCKET_TEMPLATE_ENV} environment variable (a path containing %i)`);
  }
  if (!template.includes('%i')) {
    throw new CliError(`${SOCKET_TEMPLATE_ENV} must contain %i to use the -instance flag, got ${JSON.stringify(template)}`);
  }
  return template.replaceAll('%i', flags.instance);
}
