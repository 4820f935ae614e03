/**
 * Splits concatenated DER elements (the Workload API's X.509 bundle and chain form: certificates
 * back to back, nothing between them). Reads only tag and length; the content is left to the
 * certificate parser. DER rules are enforced: definite, minimal lengths, no high-tag form.
 */
import { SpiffeError } from '../errors.js';

/** Longest length field accepted: 4 bytes, i.e. elements up to 4 GiB, far beyond any certificate. */
const MAX_LENGTH_BYTES = 4;

/**
 * Returns views (no copies) of each top-level DER element in `bytes`. Empty input gives `[]`.
 * @throws SpiffeError ERR_BUNDLE_BAD_DER naming the offset of the first broken element.
 * @example splitDer(Buffer.concat([cert1.raw, cert2.raw])).length // 2
 */
export function splitDer(bytes: Uint8Array): Uint8Array[] {
  const elements: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = elementEnd(bytes, offset);
    elements.push(bytes.subarray(offset, end));
    offset = end;
  }
  return elements;
}

/** The offset just past the element starting at `start`. */
function elementEnd(bytes: Uint8Array, start: number): number {
  const tag = byteAt(bytes, start, 'tag');
  if ((tag & 0x1f) === 0x1f) fail(start, 'high-tag-number form is not supported');
  const first = byteAt(bytes, start + 1, 'length');
  let contentStart = start + 2;
  let length = first;
  if (first === 0x80) fail(start, 'indefinite length is not allowed in DER');
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > MAX_LENGTH_BYTES) fail(start, `length field of ${count} bytes is too long`);
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = byteAt(bytes, contentStart + i, 'length');
      if (i === 0 && b === 0) fail(start, 'length has a leading zero byte (not minimal)');
      length = length * 256 + b;
    }
    if (length < 0x80) fail(start, 'long-form length below 128 (not minimal)');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) {
    fail(start, `element needs ${length} content bytes but only ${bytes.length - contentStart} remain`);
  }
  return end;
}

function byteAt(bytes: Uint8Array, index: number, what: string): number {
  const b = bytes[index];
  if (b === undefined) fail(index, `input ends inside the ${what}`);
  return b;
}

function fail(offset: number, reason: string): never {
  throw new SpiffeError('ERR_BUNDLE_BAD_DER', `bad DER at byte ${offset}: ${reason}`);
}
