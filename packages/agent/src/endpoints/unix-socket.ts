/**
 * The agent's UNIX sockets (public Workload API: dir 0755, socket 0777; admin: 0770) are
 * prepared by @tspire/common's listenOnUnixSocket; here it reports the agent's own error codes.
 */
import type net from 'node:net';
import { listenOnUnixSocket as listenWithCodes, type UnixSocketListenOptions as CommonListenOptions } from '@tspire/common';
import './errors.js';

export { MAX_UNIX_SOCKET_PATH_BYTES, unlinkSocket } from '@tspire/common';

export type UnixSocketListenOptions = Omit<CommonListenOptions, 'errorCodes'>;

export const AGENT_SOCKET_ERROR_CODES = { badPath: 'ERR_AGENT_SOCKET_PATH', inUse: 'ERR_AGENT_SOCKET_IN_USE' } as const;

/**
 * Prepares `socketPath` and makes `server` listen on it.
 * @throws TspireError ERR_AGENT_SOCKET_PATH (bad path, or a non-socket file there) or
 *   ERR_AGENT_SOCKET_IN_USE (another process listens on it); filesystem errors as they are.
 */
export function listenOnUnixSocket(server: net.Server, socketPath: string, options: UnixSocketListenOptions): Promise<void> {
  return listenWithCodes(server, socketPath, { ...options, errorCodes: AGENT_SOCKET_ERROR_CODES });
}
