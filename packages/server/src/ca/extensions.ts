/** Encoders for the X.509 v3 extensions SPIRE puts on CA certificates and SVIDs. */
import { createHash } from 'node:crypto';
import { bitString, boolean, implicitPrimitive, octetString, oid, sequence, tlv, TAG } from './der-writer.js';
import { DerError, children, expect, readBitString, readElement } from './der-reader.js';
import { KEY_USAGE, OID } from './oids.js';

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(type: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(type), boolean(true), octetString(value)) : sequence(oid(type), octetString(value));
}

/** KeyUsage as a DER named-bit BIT STRING (trailing zero bits dropped). */
export function keyUsage(usages: readonly (keyof typeof KEY_USAGE)[]): Buffer {
  let bits = 0;
  for (const usage of usages) bits |= 1 << KEY_USAGE[usage];
  if (bits === 0) throw new RangeError('keyUsage needs at least one bit');
  const highest = 31 - Math.clz32(bits); // bit numbers count from the most significant bit
  const byteCount = Math.floor(highest / 8) + 1;
  const bytes = new Uint8Array(byteCount);
  for (let bit = 0; bit <= highest; bit++) if (bits & (1 << bit)) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return extension(OID.keyUsage, true, bitString(bytes, byteCount * 8 - 1 - highest));
}

/** ExtendedKeyUsage serverAuth + clientAuth (required together by the X509-SVID spec). */
export function extKeyUsageServerClient(): Buffer {
  return extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth)));
}

/** BasicConstraints, critical; cA FALSE is the DEFAULT so it is omitted (DER). */
export function basicConstraints(isCa: boolean): Buffer {
  return extension(OID.basicConstraints, true, isCa ? sequence(boolean(true)) : sequence());
}

export function subjectKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

/** AuthorityKeyIdentifier with only keyIdentifier [0]. */
export function authorityKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));
}

/** SubjectAltName with URI [6] entries then DNS [2]; critical when the subject is empty (RFC 5280). */
export function subjectAltName(uris: readonly string[], dnsNames: readonly string[], critical = false): Buffer {
  const names: Buffer[] = [];
  for (const uri of uris) names.push(implicitPrimitive(6, ia5Content(uri)));
  for (const dns of dnsNames) names.push(implicitPrimitive(2, ia5Content(dns)));
  return extension(OID.subjectAltName, critical, sequence(...names));
}

function ia5Content(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError('subjectAltName entries must be ASCII (IA5String)');
  return Buffer.from(text, 'latin1');
}

/** Wraps encoded extensions as `[3] EXPLICIT Extensions`. */
export function extensionsField(extensions: readonly Uint8Array[]): Buffer {
  return tlv(0xa3, sequence(...extensions));
}

/** The subjectPublicKey BIT STRING bytes of a SubjectPublicKeyInfo (checks its outline). */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const outer = readElement(spki, 0);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== spki.length) throw new DerError('SubjectPublicKeyInfo is not one SEQUENCE');
  const [algorithm, key, extra] = children(outer);
  expect(algorithm, TAG.SEQUENCE, 'SubjectPublicKeyInfo algorithm');
  if (extra !== undefined) throw new DerError('trailing data in SubjectPublicKeyInfo');
  const { unusedBits, bytes } = readBitString(expect(key, TAG.BIT_STRING, 'subjectPublicKey'));
  if (unusedBits !== 0 || bytes.length === 0) throw new DerError('subjectPublicKey must be whole bytes');
  return bytes;
}

/** SKID as SPIRE computes it: SHA-1 of the subjectPublicKey bits (RFC 5280 method 1). */
export function subjectKeyIdFromSpki(spki: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}
