/**
 * SHA-256 of a workload binary with a size bound, so a huge (or endless) file cannot make the
 * agent read without limit: the size is checked before reading and the bytes are counted while
 * reading (the file may grow in between).
 */
import { createHash } from 'node:crypto';
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import { WorkloadAttestorError } from '../errors.js';

const CHUNK = 64 * 1024;

/**
 * Lowercase hex SHA-256 of the file at `path`; `limit` in bytes, 0 = no limit.
 * @example await sha256File('/proc/42/exe', 0) // 'e3b0c442...'
 * @throws WorkloadAttestorError ERR_AGENT_UNIX_ATTESTATION when unreadable or larger than `limit`.
 */
export async function sha256File(
  path: string,
  limit: number,
  open: (path: string) => Promise<FileHandle> = (p) => fsOpen(p, 'r'),
): Promise<string> {
  const tooBig = (size: number): never => {
    throw new WorkloadAttestorError('ERR_AGENT_UNIX_ATTESTATION', `workload ${path} exceeds size limit (${size} > ${limit})`);
  };
  let file: FileHandle;
  try {
    file = await open(path);
  } catch (err) {
    throw new WorkloadAttestorError('ERR_AGENT_UNIX_ATTESTATION', `cannot open workload binary ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const { size } = await file.stat();
    if (limit > 0 && size > limit) tooBig(size);
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(CHUNK);
    let total = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (limit > 0 && total > limit) tooBig(total);
      hash.update(buffer.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } catch (err) {
    if (err instanceof WorkloadAttestorError) throw err;
    throw new WorkloadAttestorError('ERR_AGENT_UNIX_ATTESTATION', `cannot read workload binary ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await file.close();
  }
}
