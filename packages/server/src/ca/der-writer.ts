/**
 * A minimal DER writer: just the universal types X.509 certificates need. Every function
 * returns a complete TLV. Kept allocation-light because leaf SVIDs are built with it.
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function headerLength(length: number): number {
  if (length < 0x80) return 2;
  if (length < 0x100) return 3;
  if (length < 0x10000) return 4;
  if (length < 0x1000000) return 5;
  return 6;
}

function writeHeader(out: Uint8Array, tag: number, length: number): number {
  out[0] = tag;
  const size = headerLength(length);
  if (size === 2) {
    out[1] = length;
    return 2;
  }
  out[1] = 0x80 | (size - 2);
  for (let i = size - 1, rest = length; i >= 2; i--, rest = Math.floor(rest / 256)) out[i] = rest & 0xff;
  return size;
}

/** A TLV of `tag` whose content is the concatenation of `contents`. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  let length = 0;
  for (const part of contents) length += part.length;
  const out = Buffer.allocUnsafe(headerLength(length) + length);
  let offset = writeHeader(out, tag, length);
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const sequence = (...contents: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...contents);

/** SET OF: DER wants the elements sorted by their encodings. */
export function setOf(...elements: Uint8Array[]): Buffer {
  return tlv(TAG.SET, ...[...elements].sort((a, b) => Buffer.compare(a, b)));
}

/** [n] EXPLICIT wrapper (constructed context tag). */
export const explicit = (n: number, ...contents: Uint8Array[]): Buffer => tlv(0xa0 | n, ...contents);

/** [n] IMPLICIT primitive (e.g. GeneralName dNSName [2], uniformResourceIdentifier [6]). */
export const implicitPrimitive = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);

const TRUE = Buffer.from([TAG.BOOLEAN, 1, 0xff]);
const FALSE = Buffer.from([TAG.BOOLEAN, 1, 0x00]);
export const boolean = (value: boolean): Buffer => (value ? TRUE : FALSE);
export const nullValue = (): Buffer => Buffer.from([TAG.NULL, 0]);

/** A positive INTEGER from unsigned big-endian bytes (minimal; 0x00 prefix when the top bit is set). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  if (body.length === 0) return Buffer.from([TAG.INTEGER, 1, 0]);
  return (body[0]! & 0x80) !== 0 ? tlv(TAG.INTEGER, Buffer.from([0]), body) : tlv(TAG.INTEGER, body);
}

/** A non-negative INTEGER from a number or bigint. */
export function integer(value: number | bigint): Buffer {
  let n = BigInt(value);
  if (n < 0n) throw new RangeError('negative INTEGER is not supported');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  return unsignedInteger(Uint8Array.from(bytes));
}

const oidCache = new Map<string, Buffer>();

/** An OBJECT IDENTIFIER from dotted text ("1.2.840.10045.2.1"); encodings are cached (callers must not mutate them). */
export function oid(dotted: string): Buffer {
  let encoded = oidCache.get(dotted);
  if (encoded === undefined) {
    encoded = encodeOid(dotted);
    if (oidCache.size < 256) oidCache.set(dotted, encoded);
  }
  return encoded;
}

function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`bad OID arc in ${dotted}`);
    return Number(arc);
  });
  if (arcs.length < 2 || arcs[0]! > 2) throw new RangeError(`bad OID ${dotted}`);
  const body: number[] = [];
  const push = (value: number): void => {
    const chunk = [value & 0x7f];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | (rest & 0x7f));
    body.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(TAG.OID, Uint8Array.from(body));
}

/** BIT STRING with `unusedBits` zero bits at the end of the last byte. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), bytes);
}

export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
/** True when `text` fits PrintableString (X.680's restricted set). */
export const isPrintable = (text: string): boolean => PRINTABLE.test(text);

export function printableString(text: string): Buffer {
  if (!isPrintable(text)) throw new RangeError('text is not a PrintableString');
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

export function ia5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError('text is not an IA5String (ASCII)');
  return tlv(TAG.IA5_STRING, Buffer.from(text, 'latin1'));
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** X.509 Time (RFC 5280 4.1.2.5): UTCTime for 1950-2049, GeneralizedTime otherwise; whole seconds, Z. */
export function time(unixSeconds: number): Buffer {
  const date = new Date(Math.floor(unixSeconds) * 1000);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} cannot be encoded in an X.509 Time`);
  const rest = pad2(date.getUTCMonth() + 1) + pad2(date.getUTCDate()) + pad2(date.getUTCHours()) + pad2(date.getUTCMinutes()) + pad2(date.getUTCSeconds()) + 'Z';
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad2(year % 100) + rest, 'latin1'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}
