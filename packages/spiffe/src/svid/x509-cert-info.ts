/**
 * What node:crypto's X509Certificate does not expose, read from the certificate DER with our
 * strict reader: basicConstraints, keyUsage bits, extKeyUsage, every URI/DNS SAN (raw), key
 * identifiers, critical extension OIDs, raw issuer/subject names, and validity as Dates.
 * Results for X509Certificate objects are cached in a WeakMap (certificates are immutable).
 */
import { X509Certificate } from 'node:crypto';
import { SpiffeError, isSpiffeError } from '../errors.js';
import {
  DerCursor,
  Tag,
  bitAt,
  contextTag,
  rawOf,
  readBitString,
  readBoolean,
  readChildren,
  readOctetString,
  readOid,
  readSingle,
  readSmallInteger,
  valueOf,
  type DerElement,
} from '../der/reader.js';
import { readTime } from '../der/time.js';

/** Extension OIDs this module decodes. */
export const ExtensionOid = {
  SUBJECT_KEY_IDENTIFIER: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  SUBJECT_ALT_NAME: '2.5.29.17',
  BASIC_CONSTRAINTS: '2.5.29.19',
  CERTIFICATE_POLICIES: '2.5.29.32',
  AUTHORITY_KEY_IDENTIFIER: '2.5.29.35',
  EXT_KEY_USAGE: '2.5.29.37',
} as const;

/** The keyUsage bits (RFC 5280 §4.2.1.3), by bit position. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly contentCommitment: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

const KEY_USAGE_BITS = [
  'digitalSignature',
  'contentCommitment',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLenConstraint?: number;
  readonly critical: boolean;
}

export interface X509CertInfo {
  /** DER of the issuer Name, for byte-wise issuer/subject matching. */
  readonly issuerRaw: Buffer;
  /** DER of the subject Name. */
  readonly subjectRaw: Buffer;
  /** DER of the SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfoRaw: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Absent when the certificate has no basicConstraints extension. */
  readonly basicConstraints?: BasicConstraints;
  /** Absent when the certificate has no keyUsage extension. */
  readonly keyUsage?: KeyUsage;
  readonly keyUsageCritical: boolean;
  /** extKeyUsage purpose OIDs; absent when there is no extKeyUsage extension. */
  readonly extKeyUsage?: readonly string[];
  /** Every URI SAN, as written (not parsed). */
  readonly uriSans: readonly string[];
  readonly dnsSans: readonly string[];
  readonly subjectKeyIdentifier?: Buffer;
  /** The keyIdentifier field of authorityKeyIdentifier, when present. */
  readonly authorityKeyIdentifier?: Buffer;
  /** OIDs of every extension marked critical, in certificate order. */
  readonly criticalExtensions: readonly string[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const infoCache = new WeakMap<X509Certificate, X509CertInfo>();

/**
 * The extension details of a certificate (cached per X509Certificate object).
 * @example
 * const info = getX509CertInfo(cert);
 * if (info.basicConstraints?.ca) ...; info.uriSans // ['spiffe://example.org/api']
 * @throws SpiffeError ERR_X509_BAD_CERT when the DER or an extension is malformed or repeated.
 */
export function getX509CertInfo(cert: X509Certificate | Uint8Array): X509CertInfo {
  if (!(cert instanceof X509Certificate)) return parseOrThrow(Buffer.from(cert), 'certificate');
  let info = infoCache.get(cert);
  if (info === undefined) {
    info = parseOrThrow(cert.raw, () => `certificate ${describeCertificate(cert)}`);
    infoCache.set(cert, info);
  }
  return info;
}

/**
 * Names a certificate in messages: its subject (`"CN=api, O=Acme"`), or its serial when the
 * subject is empty (SVIDs may have one).
 */
export function describeCertificate(cert: X509Certificate): string {
  // node gives `undefined` (despite its type) for an empty subject.
  const subject = ((cert.subject as string | undefined) ?? '').trim().split('\n').join(', ');
  return subject === '' ? `with serial ${cert.serialNumber}` : JSON.stringify(subject.length > 200 ? subject.slice(0, 200) + '...' : subject);
}

function parseOrThrow(der: Buffer, label: string | (() => string)): X509CertInfo {
  try {
    return parseCertificate(der);
  } catch (err) {
    if (!isSpiffeError(err, 'ERR_DER_MALFORMED') && !isSpiffeError(err, 'ERR_X509_BAD_CERT')) throw err;
    const name = typeof label === 'string' ? label : label();
    throw new SpiffeError('ERR_X509_BAD_CERT', `${name} cannot be parsed: ${err.message}`, { cause: err });
  }
}

function bad(message: string): never {
  throw new SpiffeError('ERR_X509_BAD_CERT', message);
}

/** Walks Certificate and TBSCertificate (RFC 5280 §4.1). */
function parseCertificate(der: Buffer): X509CertInfo {
  const certificate = new DerCursor(readSingle(der, Tag.SEQUENCE, 'Certificate'));
  const tbs = certificate.next(Tag.SEQUENCE, 'tbsCertificate');
  const outerAlgorithm = certificate.next(Tag.SEQUENCE, 'signatureAlgorithm');
  certificate.next(Tag.BIT_STRING, 'signatureValue');
  certificate.finish('Certificate');

  const fields = new DerCursor(tbs);
  const version = fields.optional(contextTag(0, true));
  if (version !== undefined) {
    const [versionNumber, extra] = readChildren(version);
    if (versionNumber === undefined || extra !== undefined || readSmallInteger(versionNumber) > 2) bad('bad certificate version');
  }
  fields.next(Tag.INTEGER, 'serialNumber');
  const innerAlgorithm = fields.next(Tag.SEQUENCE, 'signature');
  if (!rawOf(innerAlgorithm).equals(rawOf(outerAlgorithm))) bad('tbsCertificate signature algorithm differs from the outer one');
  const issuer = fields.next(Tag.SEQUENCE, 'issuer');
  const validity = new DerCursor(fields.next(Tag.SEQUENCE, 'validity'));
  const notBefore = readTime(validity.next(undefined, 'notBefore'));
  const notAfter = readTime(validity.next(undefined, 'notAfter'));
  validity.finish('validity');
  const subject = fields.next(Tag.SEQUENCE, 'subject');
  const publicKeyInfo = fields.next(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  fields.optional(contextTag(1, false));
  fields.optional(contextTag(2, false));
  const extensions = fields.optional(contextTag(3, true));
  fields.finish('tbsCertificate');

  const info: Mutable<X509CertInfo> = {
    issuerRaw: rawOf(issuer),
    subjectRaw: rawOf(subject),
    subjectPublicKeyInfoRaw: rawOf(publicKeyInfo),
    notBefore,
    notAfter,
    keyUsageCritical: false,
    uriSans: [],
    dnsSans: [],
    criticalExtensions: [],
  };
  if (extensions !== undefined) parseExtensions(extensions, info);
  return info;
}

/** `extensions [3] EXPLICIT SEQUENCE OF Extension`; each OID at most once (RFC 5280 §4.2). */
function parseExtensions(wrapper: DerElement, info: Mutable<X509CertInfo>): void {
  const [list, extra] = readChildren(wrapper);
  if (list === undefined || extra !== undefined || list.tag !== Tag.SEQUENCE) bad('extensions must be one SEQUENCE');
  const seen = new Set<string>();
  const critical: string[] = [];
  for (const extension of readChildren(list)) {
    const fields = new DerCursor(extension);
    const oid = readOid(fields.next(Tag.OID, 'extnID'));
    const criticalFlag = fields.optional(Tag.BOOLEAN);
    const isCritical = criticalFlag !== undefined && readBoolean(criticalFlag);
    const value = readOctetString(fields.next(Tag.OCTET_STRING, 'extnValue'));
    fields.finish('Extension');
    if (seen.has(oid)) bad(`extension ${oid} appears more than once`);
    seen.add(oid);
    if (isCritical) critical.push(oid);
    decodeExtension(oid, value, isCritical, info);
  }
  info.criticalExtensions = critical;
}

function decodeExtension(oid: string, value: Buffer, critical: boolean, info: Mutable<X509CertInfo>): void {
  switch (oid) {
    case ExtensionOid.BASIC_CONSTRAINTS:
      info.basicConstraints = decodeBasicConstraints(value, critical);
      return;
    case ExtensionOid.KEY_USAGE:
      info.keyUsage = decodeKeyUsage(value);
      info.keyUsageCritical = critical;
      return;
    case ExtensionOid.EXT_KEY_USAGE:
      info.extKeyUsage = readChildren(readSingle(value, Tag.SEQUENCE, 'extKeyUsage')).map(readOid);
      return;
    case ExtensionOid.SUBJECT_ALT_NAME:
      decodeSubjectAltName(value, info);
      return;
    case ExtensionOid.SUBJECT_KEY_IDENTIFIER:
      info.subjectKeyIdentifier = readOctetString(readSingle(value, Tag.OCTET_STRING, 'subjectKeyIdentifier'));
      return;
    case ExtensionOid.AUTHORITY_KEY_IDENTIFIER: {
      const keyId = new DerCursor(readSingle(value, Tag.SEQUENCE, 'authorityKeyIdentifier')).optional(contextTag(0, false));
      if (keyId !== undefined) info.authorityKeyIdentifier = valueOf(keyId);
      return;
    }
  }
}

/** `SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }` */
function decodeBasicConstraints(value: Buffer, critical: boolean): BasicConstraints {
  const fields = new DerCursor(readSingle(value, Tag.SEQUENCE, 'basicConstraints'));
  const caFlag = fields.optional(Tag.BOOLEAN);
  const pathLen = fields.optional(Tag.INTEGER);
  fields.finish('basicConstraints');
  const ca = caFlag !== undefined && readBoolean(caFlag);
  if (pathLen === undefined) return { ca, critical };
  const pathLenConstraint = readSmallInteger(pathLen);
  if (pathLenConstraint < 0) bad('basicConstraints pathLenConstraint is negative');
  return { ca, pathLenConstraint, critical };
}

function decodeKeyUsage(value: Buffer): KeyUsage {
  const bits = readBitString(readSingle(value, Tag.BIT_STRING, 'keyUsage'));
  const usage: Partial<Mutable<KeyUsage>> = {};
  KEY_USAGE_BITS.forEach((name, index) => {
    usage[name] = bitAt(bits, index);
  });
  return usage as KeyUsage;
}

const DNS_NAME = contextTag(2, false);
const URI_NAME = contextTag(6, false);

/** GeneralNames: keeps dNSName and uniformResourceIdentifier (IA5String, ASCII only). */
function decodeSubjectAltName(value: Buffer, info: Mutable<X509CertInfo>): void {
  const uris: string[] = [];
  const dnsNames: string[] = [];
  for (const name of readChildren(readSingle(value, Tag.SEQUENCE, 'subjectAltName'))) {
    if (name.tag !== URI_NAME && name.tag !== DNS_NAME) continue;
    const bytes = valueOf(name);
    for (const byte of bytes) if (byte >= 0x80) bad('subjectAltName has a non-ASCII URI or DNS name');
    (name.tag === URI_NAME ? uris : dnsNames).push(bytes.toString('latin1'));
  }
  info.uriSans = uris;
  info.dnsSans = dnsNames;
}
