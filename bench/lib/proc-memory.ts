/**
 * Memory of other processes from /proc: VmRSS/VmHWM from /proc/<pid>/status and Pss from
 * /proc/<pid>/smaps_rollup (shared pages split between the processes that map them, so a sum
 * over many small processes is not inflated by the libraries they share).
 */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  readonly rssBytes: number;
  /** Peak RSS (VmHWM). */
  readonly peakRssBytes: number;
}

/** A `Key:   123 kB` line of a /proc status-like file, in bytes; throws when missing. */
export function kibField(text: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
  if (!match) throw new Error(`no ${key} line in /proc data`);
  return Number(match[1]) * 1024;
}

/** VmRSS and VmHWM of `pid`. */
export function procMemory(pid: number, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): ProcMemory {
  const status = read(`/proc/${pid}/status`);
  return { rssBytes: kibField(status, 'VmRSS'), peakRssBytes: kibField(status, 'VmHWM') };
}

/** Proportional set size of `pid` (needs the right to read its smaps_rollup: same uid or root). */
export function procPss(pid: number, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number {
  return kibField(read(`/proc/${pid}/smaps_rollup`), 'Pss');
}

/** User + system CPU time of `pid` (all its threads) in milliseconds; USER_HZ is 100 on Linux. */
export function procCpuMs(pid: number, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number {
  const stat = read(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
