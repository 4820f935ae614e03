/**
 * spiffe-helper's file writer: @tspire/common's durable atomic write (temp file in the same
 * directory created with the final mode, fsync, rename, directory fsync). Readers see the old
 * file or the new one, never a partial one, and a key is never readable by others even briefly.
 */
import { nodeAtomicWriteFs, writeFileAtomic, type AtomicWriteFs } from '@tspire/common';

/** The filesystem calls the writer needs (injected in tests). */
export type WriterFs = AtomicWriteFs;
export const nodeWriterFs: WriterFs = nodeAtomicWriteFs;

export type FileWriter = (path: string, data: string | Uint8Array, mode: number) => Promise<void>;

/** Builds a writer on `fs`; `suffix` names temp files (random by default). */
export function createAtomicWriter(fs: WriterFs = nodeWriterFs, suffix?: () => string): FileWriter {
  return (path, data, mode) => writeFileAtomic(path, data, { mode, fs, ...(suffix ? { tempSuffix: suffix } : {}) });
}
