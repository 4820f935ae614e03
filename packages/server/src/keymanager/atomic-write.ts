import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The filesystem calls an atomic write needs; tests inject failures here. */
export type AtomicWriteFs = Pick<typeof fsp, 'open' | 'rename' | 'unlink'>;

export interface AtomicWriteOptions {
  /** File mode of the written file (default 0o600: key material). */
  mode?: number;
  fs?: AtomicWriteFs;
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new file, never a
 * torn one: write a temp file in the same directory, fsync it, rename over `path`, fsync the
 * directory so the rename itself is durable. On failure the temp file is removed and the old
 * file is untouched.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const fs = options.fs ?? fsp;
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // umask may have narrowed or (if odd) changed the mode
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
