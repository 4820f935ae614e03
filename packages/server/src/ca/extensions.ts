/** Encoders for the X.509 v3 extensions SPIRE puts on CA certificates and SVIDs. */
import { createHash } from 'node:crypto';
import { der } from '@tspire/spiffe';
import { derError, field, oid, sequence, tlv } from './der-x509.js';
import { KEY_USAGE, OID } from './oids.js';

/** GeneralName `[6] uniformResourceIdentifier` and `[2] dNSName`; `[3] EXPLICIT Extensions` of a TBSCertificate. */
const URI_NAME = der.contextTag(6, false);
const DNS_NAME = der.contextTag(2, false);
export const EXTENSIONS_FIELD = der.contextTag(3, true);

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(type: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(type), der.encodeBoolean(true), tlv(der.Tag.OCTET_STRING, value)) : sequence(oid(type), tlv(der.Tag.OCTET_STRING, value));
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
  return extension(OID.keyUsage, true, der.encodeBitString(bytes, byteCount * 8 - 1 - highest));
}

/** ExtendedKeyUsage serverAuth + clientAuth (required together by the X509-SVID spec). */
export function extKeyUsageServerClient(): Buffer {
  return extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth)));
}

/** BasicConstraints, critical; cA FALSE is the DEFAULT so it is omitted (DER). */
export function basicConstraints(isCa: boolean): Buffer {
  return extension(OID.basicConstraints, true, isCa ? sequence(der.encodeBoolean(true)) : sequence());
}

export function subjectKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(OID.subjectKeyIdentifier, false, tlv(der.Tag.OCTET_STRING, keyId));
}

/** AuthorityKeyIdentifier with only keyIdentifier [0]. */
export function authorityKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(OID.authorityKeyIdentifier, false, sequence(tlv(der.contextTag(0, false), keyId)));
}

/** SubjectAltName with URI [6] entries then DNS [2]; critical when the subject is empty (RFC 5280). */
export function subjectAltName(uris: readonly string[], dnsNames: readonly string[], critical = false): Buffer {
  const names: Buffer[] = [];
  for (const uri of uris) names.push(tlv(URI_NAME, ia5Content(uri)));
  for (const dns of dnsNames) names.push(tlv(DNS_NAME, ia5Content(dns)));
  return extension(OID.subjectAltName, critical, sequence(...names));
}

function ia5Content(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError('subjectAltName entries must be ASCII (IA5String)');
  return Buffer.from(text, 'latin1');
}

/** Wraps encoded extensions as `[3] EXPLICIT Extensions`. */
export function extensionsField(extensions: readonly Uint8Array[]): Buffer {
  return tlv(EXTENSIONS_FIELD, sequence(...extensions));
}

/** The subjectPublicKey BIT STRING bytes of a SubjectPublicKeyInfo (checks its outline). */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const outer = der.readElement(spki, 0);
  if (outer.tag !== der.Tag.SEQUENCE || outer.end !== spki.length) throw derError('SubjectPublicKeyInfo is not one SEQUENCE');
  const [algorithm, key, extra] = der.readChildren(outer);
  field(algorithm, der.Tag.SEQUENCE, 'SubjectPublicKeyInfo algorithm');
  if (extra !== undefined) throw derError('trailing data in SubjectPublicKeyInfo');
  const { unusedBits, bytes } = der.readBitString(field(key, der.Tag.BIT_STRING, 'subjectPublicKey'));
  if (unusedBits !== 0 || bytes.length === 0) throw derError('subjectPublicKey must be whole bytes');
  return bytes;
}

/** SKID as SPIRE computes it: SHA-1 of the subjectPublicKey bits (RFC 5280 method 1). */
export function subjectKeyIdFromSpki(spki: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}
