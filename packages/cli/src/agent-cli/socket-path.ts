/**
 * Where the agent CLI finds the public Workload API socket, as SPIRE resolves it: a
 * `-socketPath` other than the default wins; else `-instance` substituted into
 * SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE (when it holds `%i`); else SPIRE_AGENT_PUBLIC_SOCKET;
 * else the default.
 */
import type { Environment } from '../socket-path.js';

export const DEFAULT_AGENT_SOCKET_PATH = '/tmp/spire-agent/public/api.sock';
export const AGENT_SOCKET_ENV = 'SPIRE_AGENT_PUBLIC_SOCKET';
export const AGENT_SOCKET_TEMPLATE_ENV = 'SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE';

/** The two socket flags every Workload API command has. */
export const AGENT_SOCKET_FLAGS = {
  socketPath: { kind: 'string', default: DEFAULT_AGENT_SOCKET_PATH, usage: 'Path to the SPIRE Agent API Unix domain socket' },
  instance: { kind: 'string', usage: `Instance name to substitute into socket templates (env ${AGENT_SOCKET_TEMPLATE_ENV}).` },
} as const;

/** @example resolveAgentSocketPath('/tmp/spire-agent/public/api.sock', 'a', { SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE: '/run/%i.sock' }) === '/run/a.sock' */
export function resolveAgentSocketPath(socketPath: string, instance: string, env: Environment): string {
  if (socketPath !== DEFAULT_AGENT_SOCKET_PATH) return socketPath;
  const template = env[AGENT_SOCKET_TEMPLATE_ENV] ?? '';
  if (instance !== '' && template.includes('%i')) return template.replaceAll('%i', instance);
  const fromEnv = env[AGENT_SOCKET_ENV] ?? '';
  return fromEnv !== '' ? fromEnv : DEFAULT_AGENT_SOCKET_PATH;
}
