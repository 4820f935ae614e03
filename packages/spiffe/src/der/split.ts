/**
 * Splits DER elements concatenated with nothing between them, as the Workload API carries
 * certificate chains and X.509 bundles.
 */
import { Tag, malformed, readElement } from './reader.js';

/**
 * Splits concatenated DER SEQUENCEs (certificates) into views of `bytes` (no copies).
 * Empty input gives an empty list. Each element must be a SEQUENCE and fit exactly.
 * @example splitConcatenatedDer(svid.x509Svid) // [leafDer, intermediateDer]
 * @throws SpiffeError ERR_DER_MALFORMED naming the element index and the fault.
 */
export function splitConcatenatedDer(bytes: Uint8Array): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const element = readElement(bytes, offset, bytes.length);
    if (element.tag !== Tag.SEQUENCE) {
      malformed(`element ${parts.length} is not a SEQUENCE (tag 0x${element.tag.toString(16)})`, offset);
    }
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + offset, element.end - offset));
    offset = element.end;
  }
  return parts;
}
