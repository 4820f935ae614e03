/**
 * Go `time.Duration` syntax, as SPIRE configs and flags use it. Durations are carried as
 * milliseconds (a JS number; sub-millisecond parts are fractions).
 */
import { TspireError } from './errors/tspire-error.js';

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign
  ['\u03bcs', 1_000n], // Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);
const MAX_NS = 2n ** 63n - 1n;
const MS = 1_000_000n;

function invalid(kind: string, input: string): TspireError<'ERR_CONFIG_INVALID_DURATION'> {
  return new TspireError('ERR_CONFIG_INVALID_DURATION', `time: ${kind} ${JSON.stringify(input)}`);
}

/**
 * Parses a Go duration ("1h30m", "90s", "720h", "1.5h", "300ms", "-5m", "0") into milliseconds.
 * Errors use Go's wording, e.g. `time: invalid duration "abc"`.
 * @example parseGoDuration('1h30m') === 5_400_000
 */
export function parseGoDuration(input: string): number {
  return Number(parseGoDurationNs(input)) / 1e6;
}

/** Like parseGoDuration but exact, in nanoseconds. */
export function parseGoDurationNs(input: string): bigint {
  let rest = input;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw invalid('invalid duration', input);
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2] ?? '';
    if (whole === '' && fraction === '') throw invalid('invalid duration', input);
    rest = rest.slice(match?.[0].length ?? 0);
    const unitMatch = /^[^\d.]+/.exec(rest);
    if (unitMatch === null) throw invalid('missing unit in duration', input);
    const unitName = unitMatch[0];
    const unit = NS_PER_UNIT.get(unitName);
    if (unit === undefined) {
      throw new TspireError(
        'ERR_CONFIG_INVALID_DURATION',
        `time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}`,
      );
    }
    rest = rest.slice(unitName.length);
    // Go truncates sub-nanosecond fractions.
    let ns = BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') ns += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    total += ns;
    if (total > MAX_NS + (negative ? 1n : 0n)) throw invalid('invalid duration', input);
  }
  return negative ? -total : total;
}

/**
 * Formats milliseconds as Go's Duration.String(): "720h0m0s", "1m30s", "1.5s", "500ms", "0s".
 * Input is rounded to whole nanoseconds.
 */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}

/** Formats nanoseconds as Go's Duration.String(). */
export function formatGoDurationNs(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  if (abs < 1_000_000_000n) {
    // Below one second Go picks the largest unit that keeps a non-zero integer part.
    if (abs < 1_000n) return `${sign}${abs}ns`;
    if (abs < MS) return `${sign}${decimal(abs, 1_000n)}\u00b5s`;
    return `${sign}${decimal(abs, MS)}ms`;
  }
  const hours = abs / 3_600_000_000_000n;
  const minutes = (abs / 60_000_000_000n) % 60n;
  const seconds = decimal(abs % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** value/unit as a decimal with trailing fractional zeros removed ("1.5", "90", "0.25"). */
function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const remainder = value % unit;
  if (remainder === 0n) return `${whole}`;
  const width = unit.toString().length - 1;
  const fraction = remainder.toString().padStart(width, '0').replace(/0+$/, '');
  return `${whole}.${fraction}`;
}
