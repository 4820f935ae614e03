/**
 * Peer credentials of a connection to one of the agent's UNIX sockets: who (pid, uid, gid)
 * called connect(). The kernel records them at connect time, so the caller cannot lie.
 *
 * Why `socket._handle.fd`: Node has no public API for a connected socket's file descriptor.
 * `net.Socket._handle` is the libuv Pipe wrap and its `fd` getter returns uv_fileno() (on Unix).
 * It works for sockets handed to a `net.Server` 'connection' listener and for `session.socket`
 * of an HTTP/2 server session (that is a proxy that forwards `_handle` to the real socket, as
 * the tests check); connect-node serves gRPC on exactly such sessions. The fd is -1 or absent
 * once the socket is closed, which fails closed below.
 */
import type { Socket } from 'node:net';
import { PeerCredError } from './errors.js';
import { loadPeerCredAddon, type PeerCred, type PeerCredAddon } from './native-addon.js';

export interface PeerCredentialsDeps {
  /** default: loadPeerCredAddon() (the built addon) */
  addon?: PeerCredAddon;
}

/**
 * The file descriptor under a connected socket (see the file comment for why `_handle`).
 * @throws PeerCredError ERR_AGENT_PEERCRED_UNAVAILABLE when the socket has none (closed, or not native).
 */
export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    const why = handle === undefined || handle === null ? 'the socket is closed or not backed by a native handle' : `its handle reports fd ${String(fd)}`;
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `cannot read peer credentials: ${why}`);
  }
  return fd;
}

/**
 * The credentials of the process at the other end of a connected UNIX socket.
 * Read them as soon as the connection arrives, then guard the PID (see pid-guard.ts).
 * @example
 * server.on('connection', (socket) => { const { pid, uid, gid } = peerCredentials(socket); ... });
 * http2Server.on('session', (session) => peerCredentials(session.socket));
 * @throws PeerCredError ERR_AGENT_PEERCRED_UNAVAILABLE: addon missing, not a UNIX socket, no peer.
 */
export function peerCredentials(socket: Socket, deps: PeerCredentialsDeps = {}): PeerCred {
  const addon = deps.addon ?? loadPeerCredAddon();
  const fd = socketFd(socket);
  let cred: PeerCred;
  try {
    cred = addon.getPeerCred(fd);
  } catch (err) {
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `cannot read peer credentials: ${(err as Error).message}`, { cause: err });
  }
  for (const key of ['pid', 'uid', 'gid'] as const) {
    const value = cred[key];
    if (!Number.isSafeInteger(value) || value < 0 || (key === 'pid' && value === 0)) {
      throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `cannot read peer credentials: the kernel reported ${key} ${String(value)}`);
    }
  }
  return { pid: cred.pid, uid: cred.uid, gid: cred.gid };
}
