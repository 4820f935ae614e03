/** X.501 distinguished names: encoding ours, decoding theirs (CSR and upstream subjects). */
import { der } from '@tspire/spiffe';
import { field, isPrintable, oid, printableString, readString, sequence, setOf, utf8String } from './der-x509.js';
import { OID } from './oids.js';

/** The subject attributes SPIRE lets operators set (`ca_subject`) plus the CA serialNumber. */
export interface DistinguishedName {
  country?: readonly string[];
  organization?: readonly string[];
  organizationalUnit?: readonly string[];
  commonName?: string;
  serialNumber?: string;
}

/** SPIRE's default CA subject (C=US, O=SPIFFE). */
export const DEFAULT_CA_SUBJECT: DistinguishedName = { country: ['US'], organization: ['SPIFFE'] };
/** SPIRE's default X509-SVID subject (C=US, O=SPIRE). */
export const DEFAULT_SVID_SUBJECT: DistinguishedName = { country: ['US'], organization: ['SPIRE'] };

/** One RDN holding one attribute (exported so signers can cache fixed RDNs). */
export function nameAttribute(type: string, value: string, forcePrintable = false): Buffer {
  // As Go's pkix: PrintableString when the text allows it, UTF8String otherwise.
  const encoded = forcePrintable || isPrintable(value) ? printableString(value) : utf8String(value);
  return setOf(sequence(oid(type), encoded));
}

/**
 * DER Name with one attribute per RDN, in Go's pkix order: C, O, OU, CN, serialNumber.
 * @example encodeName({ country: ['US'], organization: ['SPIRE'], commonName: 'api.example.org' })
 */
export function encodeName(name: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  for (const c of name.country ?? []) rdns.push(nameAttribute(OID.countryName, c, true));
  for (const o of name.organization ?? []) rdns.push(nameAttribute(OID.organizationName, o));
  for (const ou of name.organizationalUnit ?? []) rdns.push(nameAttribute(OID.organizationalUnitName, ou));
  if (name.commonName !== undefined && name.commonName !== '') rdns.push(nameAttribute(OID.commonName, name.commonName));
  if (name.serialNumber !== undefined && name.serialNumber !== '') rdns.push(nameAttribute(OID.serialNumber, name.serialNumber, true));
  return sequence(...rdns);
}

/** One decoded attribute of a Name. */
export interface NameAttribute {
  oid: string;
  value: string;
}

/** Decodes a Name (SEQUENCE OF SET OF AttributeTypeAndValue) into its attributes in order. */
export function decodeName(name: der.DerElement): NameAttribute[] {
  field(name, der.Tag.SEQUENCE, 'Name');
  const out: NameAttribute[] = [];
  for (const rdn of der.readChildren(name)) {
    field(rdn, der.Tag.SET, 'RelativeDistinguishedName');
    for (const atv of der.readChildren(rdn)) {
      const [type, value] = der.readChildren(field(atv, der.Tag.SEQUENCE, 'AttributeTypeAndValue'));
      out.push({ oid: der.readOid(field(type, der.Tag.OID, 'attribute type')), value: readString(field(value, value?.tag ?? -1, 'attribute value')) });
    }
  }
  return out;
}

/** A DistinguishedName from decoded attributes (attributes outside the interface are dropped). */
export function toDistinguishedName(attributes: readonly NameAttribute[]): DistinguishedName {
  const pick = (type: string): string[] => attributes.filter((a) => a.oid === type).map((a) => a.value);
  const dn: DistinguishedName = {};
  const country = pick(OID.countryName);
  const organization = pick(OID.organizationName);
  const organizationalUnit = pick(OID.organizationalUnitName);
  const [commonName] = pick(OID.commonName);
  const [serialNumber] = pick(OID.serialNumber);
  if (country.length > 0) dn.country = country;
  if (organization.length > 0) dn.organization = organization;
  if (organizationalUnit.length > 0) dn.organizationalUnit = organizationalUnit;
  if (commonName !== undefined) dn.commonName = commonName;
  if (serialNumber !== undefined) dn.serialNumber = serialNumber;
  return dn;
}
