/**
 * Reads a small file (/proc/<pid>/status, /etc/passwd, /etc/group) in one synchronous call.
 * fs.promises.readFile costs four or five thread-pool round trips (open, fstat, read until EOF,
 * close): measured at about 0.2 ms of CPU and often a millisecond of wall time per file on a
 * loaded machine, several times the cost of the read itself, once per Workload API connection.
 * /proc files are generated in memory and these /etc files are tiny and cached, so the read
 * does not wait on a disk; errors keep their `code` (ENOENT for a process that is gone).
 */
import { readFileSync } from 'node:fs';

/** The UTF-8 content of `path`; rejects (never throws) with the fs error. */
export function readSmallFile(path: string): Promise<string> {
  try {
    return Promise.resolve(readFileSync(path, 'utf8'));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
