/**
 * Replaces a file so that a crash leaves either the old or the new content, never a torn or
 * empty file, and never exposes a secret with a wider mode even briefly: write a temp file in
 * the same directory (created exclusively with the final mode, then chmod'ed past the umask),
 * fsync it, rename it over the target, fsync the directory so the rename itself is durable.
 * On failure the temp file is removed and the old file is untouched. Used for CA keys, the
 * agent's identity (agent-data.json, keys.json), spiffe-helper's outputs and minted files.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** An open file, as far as the writer uses it. */
export interface AtomicWriteHandle {
  writeFile(data: string | Uint8Array): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The filesystem calls an atomic write needs; tests inject failures here. */
export interface AtomicWriteFs {
  open(path: string, flags: string, mode?: number): Promise<AtomicWriteHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface AtomicWriteOptions {
  /** File mode of the written file (default 0o600: key material). */
  mode?: number;
  fs?: AtomicWriteFs;
  /** Names the temp file `.<name>.<suffix>.tmp` (default: 12 random hex digits). */
  tempSuffix?: () => string;
}

export const nodeAtomicWriteFs: AtomicWriteFs = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};

/**
 * @example await writeFileAtomic('/var/lib/spire/agent/agent-data.json', JSON.stringify(state), { mode: 0o600 });
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const fs = options.fs ?? nodeAtomicWriteFs;
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const suffix = options.tempSuffix?.() ?? randomBytes(6).toString('hex');
  const temp = join(dir, `.${basename(path)}.${suffix}.tmp`);
  // 'wx': never follow or reuse an existing file at the temp name.
  const handle = await fs.open(temp, 'wx', mode);
  try {
    try {
      await handle.chmod(mode); // the umask may have narrowed the mode given to open
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(fs, dir);
}

async function syncDirectory(fs: AtomicWriteFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
