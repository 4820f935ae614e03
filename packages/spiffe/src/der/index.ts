/**
 * Strict DER reading and minimal DER writing, shared with the server's CSR and certificate paths.
 * Re-exported from the package as the namespace `der`:
 * @example
 * import { der } from '@tspire/spiffe';
 * const cert = der.readSingle(raw, der.Tag.SEQUENCE, 'certificate');
 * const [tbs] = der.readChildren(cert);
 */
export {
  Tag,
  CONSTRUCTED,
  contextTag,
  type DerElement,
  type BitString,
  malformed,
  readElement,
  readSingle,
  expectTag,
  valueOf,
  rawOf,
  readChildren,
  DerCursor,
  readBoolean,
  readInteger,
  readIntegerBytes,
  readSmallInteger,
  readNull,
  readBitString,
  bitAt,
  readOctetString,
  readOid,
} from './reader.js';
export { readTime, readUtcTime, readGeneralizedTime } from './time.js';
export {
  encodeLength,
  encodeTlv,
  encodeSequence,
  encodeContext,
  encodeBoolean,
  encodeNull,
  encodeOctetString,
  encodeBitString,
  encodeInteger,
  encodeOid,
  encodeTime,
  encodeUtcTime,
  encodeGeneralizedTime,
} from './writer.js';
export { splitConcatenatedDer } from './split.js';
export { derErrorCodes } from './error-codes.js';
