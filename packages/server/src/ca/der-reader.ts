/**
 * A minimal, strict DER reader for the structures the CA parses (CSRs, CA certificates).
 * Only definite, minimal lengths and low tag numbers are accepted; every read is bounds-checked.
 * Failures throw DerError, which callers turn into their own typed errors.
 */
import { TAG } from './der-writer.js';

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One TLV inside `bytes`: content is `bytes[start, end)`, the whole TLV `bytes[headerStart, end)`. */
export interface DerElement {
  readonly bytes: Uint8Array;
  readonly tag: number;
  readonly headerStart: number;
  readonly start: number;
  readonly end: number;
}

/** Reads the TLV at `offset`, which must end at or before `limit`. */
export function readElement(bytes: Uint8Array, offset: number, limit: number = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DerError('truncated element header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length === 0x80) throw new DerError('indefinite length is not DER');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new DerError('length too large');
    if (start + count > limit) throw new DerError('truncated length');
    if (bytes[start] === 0) throw new DerError('non-minimal length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    if (length < 0x80) throw new DerError('non-minimal length');
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new DerError('element runs past its container');
  return { bytes, tag, headerStart: offset, start, end };
}

/** Parses `bytes` as exactly one TLV (no trailing data). */
export function readRoot(bytes: Uint8Array, tag: number, what: string): DerElement {
  const element = expect(readElement(bytes, 0), tag, what);
  if (element.end !== bytes.length) throw new DerError(`trailing data after ${what}`);
  return element;
}

/** The child TLVs of a constructed element. */
export function children(parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new DerError('primitive element has no children');
  const out: DerElement[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readElement(parent.bytes, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** Throws unless `element` has `tag`. */
export function expect(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined) throw new DerError(`missing ${what}`);
  if (element.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  return element;
}

export const content = (element: DerElement): Uint8Array => element.bytes.subarray(element.start, element.end);
export const raw = (element: DerElement): Uint8Array => element.bytes.subarray(element.headerStart, element.end);

/** Dotted text of an OBJECT IDENTIFIER. */
export function readOid(element: DerElement): string {
  expect(element, TAG.OID, 'OBJECT IDENTIFIER');
  const body = content(element);
  if (body.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === body.length - 1) throw new DerError('truncated OID');
  }
  const first = arcs.shift()!;
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - top * 40, ...arcs].join('.');
}

/** A BIT STRING's unused-bit count and bytes. */
export function readBitString(element: DerElement): { unusedBits: number; bytes: Uint8Array } {
  expect(element, TAG.BIT_STRING, 'BIT STRING');
  const body = content(element);
  const unusedBits = body[0];
  if (unusedBits === undefined || unusedBits > 7 || (body.length === 1 && unusedBits !== 0)) throw new DerError('bad BIT STRING');
  return { unusedBits, bytes: body.subarray(1) };
}

/** A BOOLEAN (DER: 0x00 or 0xff only). */
export function readBoolean(element: DerElement): boolean {
  expect(element, TAG.BOOLEAN, 'BOOLEAN');
  const body = content(element);
  if (body.length !== 1 || (body[0] !== 0 && body[0] !== 0xff)) throw new DerError('bad BOOLEAN');
  return body[0] === 0xff;
}

/** A small non-negative INTEGER (versions, path lengths). */
export function readSmallInteger(element: DerElement): number {
  const body = readIntegerBytes(element);
  if (body.length > 4 || (body[0]! & 0x80) !== 0) throw new DerError('INTEGER out of range');
  return body.reduce((n, byte) => n * 256 + byte, 0);
}

/** An INTEGER's content bytes (two's complement, minimal). */
export function readIntegerBytes(element: DerElement): Uint8Array {
  expect(element, TAG.INTEGER, 'INTEGER');
  const body = content(element);
  if (body.length === 0) throw new DerError('empty INTEGER');
  if (body.length > 1 && ((body[0] === 0 && (body[1]! & 0x80) === 0) || (body[0] === 0xff && (body[1]! & 0x80) !== 0))) {
    throw new DerError('non-minimal INTEGER');
  }
  return body;
}

/** UTCTime or GeneralizedTime ("Z" form, whole seconds as RFC 5280 requires) -> unix seconds. */
export function readTime(element: DerElement): number {
  const text = Buffer.from(content(element)).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (element.tag === TAG.UTC_TIME && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(match[1]);
    year += year < 50 ? 2000 : 1900;
  } else if (element.tag === TAG.GENERALIZED_TIME && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new DerError('bad time value');
  }
  const [, , mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  if (Number.isNaN(ms) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) throw new DerError('bad time value');
  return ms / 1000;
}

/** A directory string (UTF8/Printable/IA5/Teletex/BMP) as text. */
export function readString(element: DerElement): string {
  const body = Buffer.from(content(element));
  switch (element.tag) {
    case TAG.UTF8_STRING:
      return body.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case 0x14: // TeletexString: treated as Latin-1, as most toolkits do
      return body.toString('latin1');
    case 0x1e: // BMPString: UTF-16BE
      if (body.length % 2 !== 0) throw new DerError('bad BMPString');
      return Buffer.from(body).swap16().toString('utf16le');
    default:
      throw new DerError(`unsupported string tag 0x${element.tag.toString(16)}`);
  }
}
