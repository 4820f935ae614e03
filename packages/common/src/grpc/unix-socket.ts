/**
 * Listening on a UNIX socket path the way SPIRE does for its sockets (agent public and admin,
 * server admin): parent directories are created with a given mode (only those created here; an
 * existing directory is never touched), a stale socket left by a dead process is removed, and
 * the socket file gets its mode after listening.
 */
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join, relative, sep } from 'node:path';
import type { ErrorCode } from '../errors/registry.js';
import { TspireError } from '../errors/tspire-error.js';

/** Linux sun_path holds 108 bytes including the terminating NUL. */
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;

export interface UnixSocketListenOptions {
  /** Mode of parent directories this call creates. */
  readonly dirMode: number;
  /** Mode of the socket file. */
  readonly socketMode: number;
  /** Names the socket in error messages, e.g. `Workload API socket`. */
  readonly what: string;
  /**
   * Codes of the errors thrown, so each package reports its own (default ERR_INVALID_ARGUMENT for
   * a bad path, ERR_FAILED_PRECONDITION for a socket in use).
   */
  readonly errorCodes?: { readonly badPath: ErrorCode; readonly inUse: ErrorCode };
}

const DEFAULT_CODES = { badPath: 'ERR_INVALID_ARGUMENT', inUse: 'ERR_FAILED_PRECONDITION' } as const;

/**
 * Prepares `socketPath` and makes `server` listen on it.
 * @throws TspireError errorCodes.badPath (bad path, or a non-socket file there) or
 *   errorCodes.inUse (another process listens on it); filesystem errors as they are.
 * @example
 * await listenOnUnixSocket(http2.createServer(handler), '/tmp/spire-agent/public/api.sock',
 *   { dirMode: 0o755, socketMode: 0o777, what: 'Workload API socket' });
 */
export async function listenOnUnixSocket(server: net.Server, socketPath: string, options: UnixSocketListenOptions): Promise<void> {
  const codes = options.errorCodes ?? DEFAULT_CODES;
  checkSocketPath(socketPath, options.what, codes.badPath);
  await createParentDirectories(dirname(socketPath), options.dirMode);
  await removeStaleSocket(socketPath, options.what, codes);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    await chmod(socketPath, options.socketMode);
  } catch (err) {
    server.close();
    throw err;
  }
}

/** Removes the socket file; a file already gone is fine. */
export async function unlinkSocket(socketPath: string): Promise<void> {
  try {
    await unlink(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function checkSocketPath(socketPath: string, what: string, code: ErrorCode): void {
  if (socketPath === '') throw new TspireError(code, `${what} path is empty`);
  if (socketPath.includes('\0')) throw new TspireError(code, `${what} path contains a NUL character`);
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_UNIX_SOCKET_PATH_BYTES) {
    throw new TspireError(
      code,
      `${what} path ${JSON.stringify(socketPath)} is ${bytes} bytes long; UNIX socket paths may have at most ${MAX_UNIX_SOCKET_PATH_BYTES}`,
    );
  }
}

/** mkdir -p, then the mode on each directory it created (mkdir's mode is cut by the umask). */
async function createParentDirectories(dir: string, mode: number): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true, mode });
  if (firstCreated === undefined) return;
  let current = firstCreated;
  await chmod(current, mode);
  for (const segment of relative(firstCreated, dir).split(sep).filter((s) => s !== '')) {
    current = join(current, segment);
    await chmod(current, mode);
  }
}

/** Removes a leftover socket file only when nothing listens on it; refuses other files. */
async function removeStaleSocket(socketPath: string, what: string, codes: { badPath: ErrorCode; inUse: ErrorCode }): Promise<void> {
  let stats;
  try {
    stats = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isSocket()) {
    throw new TspireError(codes.badPath, `${what} path ${socketPath} exists and is not a socket; refusing to remove it`);
  }
  if (await isListening(socketPath)) {
    throw new TspireError(codes.inUse, `${what} ${socketPath} is in use by another process`);
  }
  await unlinkSocket(socketPath);
}

function isListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
