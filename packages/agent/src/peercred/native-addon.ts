/**
 * Loads the peercred N-API addon (packages/agent/native/peercred.c), built by node-gyp into
 * packages/agent/build/Release/peercred.node when the package is installed (native/build.mjs).
 * The path is found from this file's own location, so it works from dist/ wherever the package
 * lives.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PeerCredError } from './errors.js';

/** What the kernel recorded about the peer of a UNIX socket when it connected. */
export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The addon's exports. */
export interface PeerCredAddon {
  /** getsockopt(SO_PEERCRED) on `fd`; throws an Error whose `code` is the errno name. */
  getPeerCred(fd: number): PeerCred;
}

/** Compiled to packages/agent/dist/peercred/, so the package root is two levels up. */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../../build/Release/peercred.node', import.meta.url));

const BUILD_HINT =
  'build it with `npm rebuild -w @tspire/agent` (or `node packages/agent/native/build.mjs`); ' +
  'it needs a C compiler, make, python3 and the local Node headers; nothing is downloaded';

const loaded = new Map<string, PeerCredAddon>();

/**
 * Loads (once per path) and checks the addon.
 * @example const { getPeerCred } = loadPeerCredAddon(); getPeerCred(fd) // { pid, uid, gid }
 * @throws PeerCredError ERR_AGENT_PEERCRED_UNAVAILABLE naming the path and how to build it.
 */
export function loadPeerCredAddon(path: string = DEFAULT_ADDON_PATH): PeerCredAddon {
  const cached = loaded.get(path);
  if (cached !== undefined) return cached;
  if (process.platform !== 'linux') {
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `peer credentials (SO_PEERCRED) are only supported on Linux, not ${process.platform}`);
  }
  let exports: unknown;
  try {
    exports = createRequire(import.meta.url)(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'MODULE_NOT_FOUND' ? 'is not built' : `cannot be loaded (${(err as Error).message})`;
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `the peercred addon ${path} ${reason}: ${BUILD_HINT}`, { cause: err });
  }
  const getPeerCred = (exports as { getPeerCred?: unknown } | undefined)?.getPeerCred;
  if (typeof getPeerCred !== 'function') {
    throw new PeerCredError('ERR_AGENT_PEERCRED_UNAVAILABLE', `${path} is not the peercred addon (it exports no getPeerCred function)`);
  }
  const addon: PeerCredAddon = { getPeerCred: getPeerCred as PeerCredAddon['getPeerCred'] };
  loaded.set(path, addon);
  return addon;
}
