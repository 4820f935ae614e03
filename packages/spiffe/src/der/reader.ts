/**
 * A small, strict DER reader. It works on offsets into one buffer and allocates nothing but
 * the element records, because the server parses certificates and CSRs on its hot path.
 *
 * Strict means: definite, minimal lengths only; no high tag numbers (X.509 never uses them);
 * every length is checked against its enclosing element; `readSingle` refuses trailing data.
 * Every failure is a SpiffeError with code ERR_DER_MALFORMED naming what is wrong and where.
 */
import { SpiffeError } from '../errors.js';

/** Universal tags (identifier octets) used by X.509. */
export const Tag = {
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

/** The constructed bit of an identifier octet. */
export const CONSTRUCTED = 0x20;

/**
 * The identifier octet of a context-specific tag `[n]` (n < 31).
 * @example contextTag(3, true) // 0xa3, the X.509 `extensions [3] EXPLICIT`
 */
export function contextTag(n: number, constructed: boolean): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag number out of range: ${n}`);
  return 0x80 | (constructed ? CONSTRUCTED : 0) | n;
}

/** One TLV: where it sits in `bytes`. The value is `bytes[valueStart, end)`. */
export interface DerElement {
  readonly bytes: Uint8Array;
  /** The identifier octet (class, constructed bit, tag number). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** Throws ERR_DER_MALFORMED. */
export function malformed(what: string, offset: number): never {
  throw new SpiffeError('ERR_DER_MALFORMED', `malformed DER: ${what} (at offset ${offset})`);
}

/** Formats a tag for messages: `0x30`. */
function hexTag(tag: number): string {
  return '0x' + tag.toString(16).padStart(2, '0');
}

/**
 * Reads the TLV that starts at `offset`; its value must end at or before `limit`.
 * @throws SpiffeError ERR_DER_MALFORMED on truncation, indefinite or non-minimal length,
 * a length that runs past `limit`, or a high tag number.
 */
export function readElement(bytes: Uint8Array, offset = 0, limit = bytes.length): DerElement {
  if (offset >= limit) malformed('element is missing (input truncated)', offset);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) malformed(`high tag numbers are not supported (tag ${hexTag(tag)})`, offset);
  if (offset + 1 >= limit) malformed('length is missing (input truncated)', offset + 1);
  let length = bytes[offset + 1]!;
  let valueStart = offset + 2;
  if (length >= 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) malformed('indefinite length is not allowed in DER', offset + 1);
    if (octets > 4) malformed(`length of ${octets} octets is too large`, offset + 1);
    if (valueStart + octets > limit) malformed('length is truncated', offset + 1);
    if (bytes[valueStart] === 0) malformed('length has a leading zero octet (not minimal)', offset + 1);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + bytes[valueStart + i]!;
    if (length < 0x80) malformed(`long-form length ${length} should use the short form`, offset + 1);
    valueStart += octets;
  }
  const end = valueStart + length;
  if (end > limit) malformed(`length ${length} runs past the end of the enclosing data (${limit - valueStart} octets left)`, offset);
  return { bytes, tag, start: offset, valueStart, end };
}

/**
 * Reads exactly one element that fills all of `bytes` (no trailing data).
 * @example const cert = readSingle(der, Tag.SEQUENCE);
 */
export function readSingle(bytes: Uint8Array, expectedTag?: number, what = 'element'): DerElement {
  const element = readElement(bytes, 0, bytes.length);
  if (element.end !== bytes.length) malformed(`${bytes.length - element.end} octets of trailing data after the ${what}`, element.end);
  if (expectedTag !== undefined) expectTag(element, expectedTag, what);
  return element;
}

/** Throws ERR_DER_MALFORMED unless `element` has tag `tag`. */
export function expectTag(element: DerElement, tag: number, what: string): DerElement {
  if (element.tag !== tag) malformed(`expected ${what} (tag ${hexTag(tag)}) but found tag ${hexTag(element.tag)}`, element.start);
  return element;
}

/** The value octets, as a Buffer view (no copy). */
export function valueOf(element: DerElement): Buffer {
  const { bytes } = element;
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.valueStart, element.end - element.valueStart);
}

/** The whole TLV (tag, length and value), as a Buffer view (no copy). */
export function rawOf(element: DerElement): Buffer {
  const { bytes } = element;
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.start, element.end - element.start);
}

/** The children of a constructed element (a SEQUENCE, SET or constructed context tag). */
export function readChildren(element: DerElement): DerElement[] {
  if ((element.tag & CONSTRUCTED) === 0) malformed(`tag ${hexTag(element.tag)} is primitive and has no children`, element.start);
  const children: DerElement[] = [];
  let offset = element.valueStart;
  while (offset < element.end) {
    const child = readElement(element.bytes, offset, element.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/**
 * Walks the children of a constructed element one by one, for structures with optional fields.
 * @example
 * const c = new DerCursor(tbs);
 * const version = c.optional(contextTag(0, true));
 * const serial = c.next(Tag.INTEGER, 'serialNumber');
 */
export class DerCursor {
  readonly #bytes: Uint8Array;
  readonly #end: number;
  #offset: number;

  constructor(parent: DerElement) {
    if ((parent.tag & CONSTRUCTED) === 0) malformed(`tag ${hexTag(parent.tag)} is primitive and has no children`, parent.start);
    this.#bytes = parent.bytes;
    this.#offset = parent.valueStart;
    this.#end = parent.end;
  }

  /** True when every child was read. */
  get done(): boolean {
    return this.#offset >= this.#end;
  }

  /** The tag of the next child, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.#bytes[this.#offset];
  }

  /** Reads the next child; with `tag`, it must have that tag. */
  next(tag?: number, what = 'element'): DerElement {
    if (this.done) malformed(`${what} is missing`, this.#offset);
    const element = readElement(this.#bytes, this.#offset, this.#end);
    if (tag !== undefined) expectTag(element, tag, what);
    this.#offset = element.end;
    return element;
  }

  /** Reads the next child only if it has tag `tag`. */
  optional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.next() : undefined;
  }

  /** Throws unless every child was read. */
  finish(what: string): void {
    if (!this.done) malformed(`unexpected data after the last field of ${what}`, this.#offset);
  }
}

/** Reads a BOOLEAN (DER: one octet, 0x00 or 0xff). */
export function readBoolean(element: DerElement): boolean {
  expectTag(element, Tag.BOOLEAN, 'BOOLEAN');
  const value = element.bytes[element.valueStart];
  if (element.end - element.valueStart !== 1 || (value !== 0x00 && value !== 0xff)) {
    malformed('BOOLEAN must be one octet, 0x00 or 0xff', element.start);
  }
  return value === 0xff;
}

/** Checks an INTEGER's tag and minimal two's-complement encoding; returns its value octets. */
function integerOctets(element: DerElement): Buffer {
  expectTag(element, Tag.INTEGER, 'INTEGER');
  const value = valueOf(element);
  if (value.length === 0) malformed('INTEGER has no value octets', element.start);
  if (value.length > 1) {
    const first = value[0]!;
    const secondHigh = value[1]! & 0x80;
    if ((first === 0x00 && secondHigh === 0) || (first === 0xff && secondHigh !== 0)) {
      malformed('INTEGER is not minimally encoded', element.start);
    }
  }
  return value;
}

/** Reads an INTEGER as bigint (signed). */
export function readInteger(element: DerElement): bigint {
  const value = integerOctets(element);
  let result = BigInt('0x' + value.toString('hex'));
  if (value[0]! & 0x80) result -= 1n << BigInt(value.length * 8);
  return result;
}

/** Reads an INTEGER's two's-complement value octets (e.g. a serial number), checked and uncopied. */
export function readIntegerBytes(element: DerElement): Buffer {
  return integerOctets(element);
}

/** Reads an INTEGER that must fit in a safe JavaScript number (versions, path lengths). */
export function readSmallInteger(element: DerElement): number {
  const value = integerOctets(element);
  if (value.length > 6) malformed('INTEGER is too large for this field', element.start);
  return value.readIntBE(0, value.length);
}

/** Reads NULL (no value octets). */
export function readNull(element: DerElement): null {
  expectTag(element, Tag.NULL, 'NULL');
  if (element.end !== element.valueStart) malformed('NULL must be empty', element.start);
  return null;
}

/** A BIT STRING: its octets and how many low bits of the last octet are unused. */
export interface BitString {
  readonly unusedBits: number;
  readonly bytes: Buffer;
}

/** Reads a BIT STRING; unused bits must be 0..7, zero when empty, and themselves zero (DER). */
export function readBitString(element: DerElement): BitString {
  expectTag(element, Tag.BIT_STRING, 'BIT STRING');
  const value = valueOf(element);
  if (value.length === 0) malformed('BIT STRING has no unused-bits octet', element.start);
  const unusedBits = value[0]!;
  if (unusedBits > 7) malformed(`BIT STRING has ${unusedBits} unused bits (at most 7)`, element.start);
  const bytes = value.subarray(1);
  if (bytes.length === 0 && unusedBits !== 0) malformed('empty BIT STRING with unused bits', element.start);
  if (unusedBits !== 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    malformed('BIT STRING unused bits are not zero', element.start);
  }
  return { unusedBits, bytes };
}

/** True when bit `index` (0 = most significant bit of the first octet) is set. */
export function bitAt(bits: BitString, index: number): boolean {
  const octet = bits.bytes[index >> 3];
  if (octet === undefined || index >= bits.bytes.length * 8 - bits.unusedBits) return false;
  return (octet & (0x80 >> (index & 7))) !== 0;
}

/** Reads an OCTET STRING's octets (uncopied). */
export function readOctetString(element: DerElement): Buffer {
  return valueOf(expectTag(element, Tag.OCTET_STRING, 'OCTET STRING'));
}

/** Reads an OBJECT IDENTIFIER as a dotted string, e.g. `2.5.29.17`. Big arcs (2.25.<uuid>) work. */
export function readOid(element: DerElement): string {
  expectTag(element, Tag.OID, 'OBJECT IDENTIFIER');
  const { bytes, valueStart, end } = element;
  if (end === valueStart) malformed('OBJECT IDENTIFIER is empty', element.start);
  if ((bytes[end - 1]! & 0x80) !== 0) malformed('OBJECT IDENTIFIER ends inside a sub-identifier', element.start);
  let text = '';
  let i = valueStart;
  while (i < end) {
    if (bytes[i] === 0x80) malformed('OBJECT IDENTIFIER sub-identifier is not minimal', i);
    let arc: number | bigint = 0;
    let octet: number;
    do {
      octet = bytes[i++]!;
      if (typeof arc === 'number' && arc >= 2 ** 45) arc = BigInt(arc);
      arc = typeof arc === 'number' ? arc * 128 + (octet & 0x7f) : (arc << 7n) | BigInt(octet & 0x7f);
    } while (octet & 0x80);
    if (text === '') text = firstArcs(arc);
    else text += '.' + arc.toString();
  }
  return text;
}

/** The first sub-identifier packs two arcs: 40 * X + Y. */
function firstArcs(value: number | bigint): string {
  if (typeof value === 'bigint') return `2.${value - 80n}`;
  if (value < 40) return `0.${value}`;
  if (value < 80) return `1.${value - 40}`;
  return `2.${value - 80}`;
}
