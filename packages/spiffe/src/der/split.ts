/**
 * Splits DER elements concatenated with nothing between them, as the Workload API carries
 * certificate chains and X.509 bundles.
 */
import { SpiffeError, isSpiffeError } from '../errors.js';
import { Tag, malformed, readElement, type DerElement } from './reader.js';

/**
 * Splits concatenated DER SEQUENCEs (certificates) into views of `bytes` (no copies).
 * Empty input gives an empty list. Each element must be a SEQUENCE and fit exactly.
 * @example splitConcatenatedDer(svid.x509Svid) // [leafDer, intermediateDer]
 * @throws SpiffeError ERR_DER_MALFORMED naming the element index, its byte offset and the fault.
 */
export function splitConcatenatedDer(bytes: Uint8Array): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const element = readTopLevel(bytes, offset, parts.length);
    if (element.tag !== Tag.SEQUENCE) {
      malformed(`element ${parts.length} is not a SEQUENCE (tag 0x${element.tag.toString(16)})`, offset);
    }
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + offset, element.end - offset));
    offset = element.end;
  }
  return parts;
}

/** Reads one element, prefixing a failure with which element broke and where it starts. */
function readTopLevel(bytes: Uint8Array, offset: number, index: number): DerElement {
  try {
    return readElement(bytes, offset, bytes.length);
  } catch (err) {
    if (!isSpiffeError(err, 'ERR_DER_MALFORMED')) throw err;
    throw new SpiffeError('ERR_DER_MALFORMED', `element ${index} at byte ${offset}: ${err.message}`, { cause: err });
  }
}
