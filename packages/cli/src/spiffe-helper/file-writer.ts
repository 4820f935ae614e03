/**
 * Atomic file replacement: the content goes to a temp file in the same directory (created with
 * the final mode, so a key is never readable by others even briefly), is fsynced, then renamed
 * over the target. Readers see the old file or the new one, never a partial one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The filesystem calls the writer needs (injected in tests). */
export interface WriterFs {
  open(path: string, flags: string, mode: number): Promise<{ writeFile(data: string | Uint8Array): Promise<void>; sync(): Promise<void>; chmod(mode: number): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeWriterFs: WriterFs = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};

export type FileWriter = (path: string, data: string | Uint8Array, mode: number) => Promise<void>;

/** Builds a writer on `fs`; `suffix` names temp files (random by default). */
export function createAtomicWriter(fs: WriterFs = nodeWriterFs, suffix: () => string = () => randomBytes(6).toString('hex')): FileWriter {
  return async (path, data, mode) => {
    const temp = join(dirname(path), `.${basename(path)}.${suffix()}.tmp`);
    // 'wx': never follow or reuse an existing file at the temp name.
    const handle = await fs.open(temp, 'wx', mode);
    try {
      try {
        await handle.writeFile(data);
        await handle.chmod(mode); // the umask may have narrowed the mode given to open
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, path);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
  };
}
