/**
 * DER time values (the X.509 `Time` CHOICE). DER fixes one spelling of each: seconds present,
 * `Z` (UTC) always, no trailing zeros in a fraction; anything else is refused.
 */
import { Tag, expectTag, malformed, type DerElement } from './reader.js';

/** Reads a UTCTime or GeneralizedTime (the X.509 `Time` CHOICE) as a Date. */
export function readTime(element: DerElement): Date {
  if (element.tag === Tag.UTC_TIME) return readUtcTime(element);
  if (element.tag === Tag.GENERALIZED_TIME) return readGeneralizedTime(element);
  return malformed(`expected UTCTime or GeneralizedTime but found tag 0x${element.tag.toString(16)}`, element.start);
}

/** Reads a DER UTCTime: exactly `YYMMDDHHMMSSZ`; YY >= 50 means 19YY (RFC 5280). */
export function readUtcTime(element: DerElement): Date {
  expectTag(element, Tag.UTC_TIME, 'UTCTime');
  const { bytes, valueStart: at, end } = element;
  if (end - at !== 13 || bytes[at + 12] !== 0x5a) malformed('UTCTime must be YYMMDDHHMMSSZ', element.start);
  const yy = digits(bytes, at, 2, element);
  return toDate(yy >= 50 ? 1900 + yy : 2000 + yy, bytes, at + 2, element, 0);
}

/** Reads a DER GeneralizedTime: `YYYYMMDDHHMMSS[.f+]Z`, no trailing zeros in the fraction. */
export function readGeneralizedTime(element: DerElement): Date {
  expectTag(element, Tag.GENERALIZED_TIME, 'GeneralizedTime');
  const { bytes, valueStart: at, end } = element;
  const length = end - at;
  if (length < 15 || bytes[end - 1] !== 0x5a) malformed('GeneralizedTime must be YYYYMMDDHHMMSS[.fff]Z', element.start);
  let millis = 0;
  if (length > 15) {
    const fraction = length - 16;
    if (bytes[at + 14] !== 0x2e || fraction < 1 || bytes[end - 2] === 0x30) {
      malformed('GeneralizedTime fraction must be "." and digits without trailing zeros', element.start);
    }
    millis = Math.floor(digits(bytes, at + 15, Math.min(fraction, 3), element) * 10 ** (3 - Math.min(fraction, 3)));
    if (fraction > 3) digits(bytes, at + 18, fraction - 3, element);
  }
  return toDate(digits(bytes, at, 4, element), bytes, at + 4, element, millis);
}

/** Days per month (index 1-12) in a common year. */
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Builds a UTC date from `MMDDHHMMSS` at `at`, checking every field's range. */
function toDate(year: number, bytes: Uint8Array, at: number, element: DerElement, millis: number): Date {
  const month = digits(bytes, at, 2, element);
  const day = digits(bytes, at + 2, 2, element);
  const hour = digits(bytes, at + 4, 2, element);
  const minute = digits(bytes, at + 6, 2, element);
  const second = digits(bytes, at + 8, 2, element);
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month] ?? 0);
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    malformed('time has a field out of range', element.start);
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Parses `count` ASCII digits at `at`. */
function digits(bytes: Uint8Array, at: number, count: number, element: DerElement): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = (bytes[i] ?? 0) - 0x30;
    if (digit < 0 || digit > 9) malformed('time has a non-digit character', element.start);
    value = value * 10 + digit;
  }
  return value;
}
