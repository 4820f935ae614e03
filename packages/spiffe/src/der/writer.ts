/**
 * A minimal DER writer: enough to fill a certificate template (lengths, TLVs, the primitive
 * types X.509 uses). Callers assemble structures by nesting `encodeSequence` calls.
 */
import { Tag, contextTag } from './reader.js';

/**
 * Encodes a definite length in the shortest form.
 * @example encodeLength(300) // <82 01 2c>
 */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xffffffff) throw new RangeError(`bad DER length: ${length}`);
  if (length < 0x80) return Buffer.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/**
 * Encodes tag + length + the concatenated `values`.
 * @example encodeTlv(Tag.OCTET_STRING, keyId)
 */
export function encodeTlv(tag: number, ...values: Uint8Array[]): Buffer {
  let length = 0;
  for (const value of values) length += value.length;
  const header = encodeLength(length);
  const out = Buffer.allocUnsafe(1 + header.length + length);
  out[0] = tag;
  header.copy(out, 1);
  let offset = 1 + header.length;
  for (const value of values) {
    out.set(value, offset);
    offset += value.length;
  }
  return out;
}

/** A SEQUENCE of already encoded children. */
export function encodeSequence(...children: Uint8Array[]): Buffer {
  return encodeTlv(Tag.SEQUENCE, ...children);
}

/** A context-specific `[n]`: constructed wraps encoded children (EXPLICIT), primitive wraps raw octets. */
export function encodeContext(n: number, constructed: boolean, ...values: Uint8Array[]): Buffer {
  return encodeTlv(contextTag(n, constructed), ...values);
}

export function encodeBoolean(value: boolean): Buffer {
  return Buffer.of(Tag.BOOLEAN, 1, value ? 0xff : 0x00);
}

export function encodeNull(): Buffer {
  return Buffer.of(Tag.NULL, 0);
}

export function encodeOctetString(bytes: Uint8Array): Buffer {
  return encodeTlv(Tag.OCTET_STRING, bytes);
}

/** A BIT STRING whose last `unusedBits` bits are padding (they must be zero). */
export function encodeBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`bad BIT STRING unused bit count: ${unusedBits}`);
  }
  return encodeTlv(Tag.BIT_STRING, Buffer.of(unusedBits), bytes);
}

/**
 * Encodes an INTEGER. A bigint/number is signed; a Uint8Array is an unsigned big-endian
 * magnitude (e.g. random serial bytes), given a leading zero when its high bit is set.
 */
export function encodeInteger(value: bigint | number | Uint8Array): Buffer {
  if (value instanceof Uint8Array) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.length === 0 ? Buffer.of(0) : value.subarray(start);
    return magnitude[0]! & 0x80 ? encodeTlv(Tag.INTEGER, Buffer.of(0), magnitude) : encodeTlv(Tag.INTEGER, magnitude);
  }
  let n = BigInt(value);
  const octets: number[] = [];
  // Emit low octets until the rest is pure sign extension of the last octet written.
  do {
    octets.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (!((n === 0n && (octets[0]! & 0x80) === 0) || (n === -1n && (octets[0]! & 0x80) !== 0)));
  return encodeTlv(Tag.INTEGER, Buffer.from(octets));
}

/**
 * Encodes a dotted OBJECT IDENTIFIER.
 * @example encodeOid('2.5.29.17') // <06 03 55 1d 11>
 */
export function encodeOid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new RangeError(`bad OBJECT IDENTIFIER: ${JSON.stringify(dotted)}`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  if (first < 2n && second > 39n) throw new RangeError(`bad OBJECT IDENTIFIER second arc: ${JSON.stringify(dotted)}`);
  const octets: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let rem = arc >> 7n; rem > 0n; rem >>= 7n) group.unshift(Number(rem & 0x7fn) | 0x80);
    octets.push(...group);
  }
  return encodeTlv(Tag.OID, Buffer.from(octets));
}

/** RFC 5280: UTCTime for years 1950-2049, GeneralizedTime otherwise; whole seconds, UTC. */
export function encodeTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? encodeUtcTime(date) : encodeGeneralizedTime(date);
}

export function encodeUtcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year >= 2050) throw new RangeError(`UTCTime cannot hold year ${year}`);
  return encodeTlv(Tag.UTC_TIME, Buffer.from(timeDigits(date).slice(2) + 'Z', 'latin1'));
}

export function encodeGeneralizedTime(date: Date): Buffer {
  return encodeTlv(Tag.GENERALIZED_TIME, Buffer.from(timeDigits(date) + 'Z', 'latin1'));
}

/** `YYYYMMDDHHMMSS` in UTC (milliseconds dropped). */
function timeDigits(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid Date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} is out of range for DER time`);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    String(year).padStart(4, '0') +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds())
  );
}
