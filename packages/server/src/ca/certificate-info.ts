/**
 * Reads the fields of a DER X.509 certificate the CA needs and node's X509Certificate does not
 * expose (raw subject/issuer Names, key identifiers, SPKI, exact validity, extensions).
 */
import { TAG } from './der-writer.js';
import {
  DerError, children, content, expect, raw, readBitString, readBoolean, readElement, readIntegerBytes,
  readOid, readRoot, readSmallInteger, readTime, type DerElement,
} from './der-reader.js';
import { OID } from './oids.js';
import { CaError } from './errors.js';

export interface CertificateExtension {
  critical: boolean;
  /** The extnValue OCTET STRING content (the extension's own DER). */
  value: Uint8Array;
}

export interface CertificateInfo {
  der: Uint8Array;
  tbs: Uint8Array;
  /** Serial INTEGER content bytes (two's complement). */
  serial: Uint8Array;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  /** Unix seconds. */
  notBefore: number;
  notAfter: number;
  extensions: Map<string, CertificateExtension>;
  subjectKeyId: Uint8Array | undefined;
  authorityKeyId: Uint8Array | undefined;
  isCa: boolean;
  /** KeyUsage bits (bit n = 1 << n) or undefined without the extension. */
  keyUsage: number | undefined;
  uris: string[];
  dnsNames: string[];
}

/**
 * Parses a DER certificate.
 * @throws CaError ERR_CA_MALFORMED_CERTIFICATE naming what is wrong.
 */
export function parseCertificate(der: Uint8Array, what = 'certificate'): CertificateInfo {
  try {
    return parse(der);
  } catch (err) {
    if (err instanceof DerError) throw new CaError('ERR_CA_MALFORMED_CERTIFICATE', `${what} is malformed: ${err.message}`, { cause: err });
    throw err;
  }
}

function parse(der: Uint8Array): CertificateInfo {
  const [tbsElement, algorithm, signatureElement, extra] = children(readRoot(der, TAG.SEQUENCE, 'Certificate'));
  if (extra !== undefined) throw new DerError('trailing data in Certificate');
  const fields = children(expect(tbsElement, TAG.SEQUENCE, 'TBSCertificate'));
  let index = 0;
  if (fields[0]?.tag === 0xa0) {
    const [version] = children(fields[0]);
    if (readSmallInteger(expect(version, TAG.INTEGER, 'version')) !== 2) throw new DerError('only X.509 v3 certificates are supported');
    index = 1;
  }
  const serial = readIntegerBytes(expect(fields[index], TAG.INTEGER, 'serialNumber'));
  const issuer = expect(fields[index + 2], TAG.SEQUENCE, 'issuer');
  const [notBefore, notAfter] = children(expect(fields[index + 3], TAG.SEQUENCE, 'validity'));
  const subject = expect(fields[index + 4], TAG.SEQUENCE, 'subject');
  const spki = expect(fields[index + 5], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const extensionsField = fields.slice(index + 6).find((f) => f.tag === 0xa3);
  const extensions = extensionsField === undefined ? new Map<string, CertificateExtension>() : readExtensions(children(extensionsField)[0]);
  const [algorithmOid] = children(expect(algorithm, TAG.SEQUENCE, 'signatureAlgorithm'));
  const info: CertificateInfo = {
    der,
    tbs: raw(tbsElement!),
    serial,
    signatureAlgorithmOid: readOid(expect(algorithmOid, TAG.OID, 'signature algorithm')),
    signature: readBitString(expect(signatureElement, TAG.BIT_STRING, 'signature')).bytes,
    issuerDer: raw(issuer),
    subjectDer: raw(subject),
    spkiDer: raw(spki),
    notBefore: readTime(expect(notBefore, notBefore?.tag ?? -1, 'notBefore')),
    notAfter: readTime(expect(notAfter, notAfter?.tag ?? -1, 'notAfter')),
    extensions,
    subjectKeyId: undefined,
    authorityKeyId: undefined,
    isCa: false,
    keyUsage: undefined,
    uris: [],
    dnsNames: [],
  };
  applyExtensions(info);
  return info;
}

/** Reads an Extensions SEQUENCE; a repeated extension is an error (RFC 5280 4.2). */
export function readExtensions(list: DerElement | undefined): Map<string, CertificateExtension> {
  const out = new Map<string, CertificateExtension>();
  for (const ext of children(expect(list, TAG.SEQUENCE, 'Extensions'))) {
    const parts = children(expect(ext, TAG.SEQUENCE, 'Extension'));
    if (parts.length < 2 || parts.length > 3) throw new DerError('bad Extension');
    const type = readOid(expect(parts[0], TAG.OID, 'extnID'));
    const critical = parts.length === 3 ? readBoolean(parts[1]!) : false;
    const value = content(expect(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue'));
    if (out.has(type)) throw new DerError(`extension ${type} appears twice`);
    out.set(type, { critical, value });
  }
  return out;
}

function applyExtensions(info: CertificateInfo): void {
  const get = (type: string): DerElement | undefined => {
    const ext = info.extensions.get(type);
    if (ext === undefined) return undefined;
    const element = readElement(ext.value, 0);
    if (element.end !== ext.value.length) throw new DerError(`trailing data in extension ${type}`);
    return element;
  };
  const skid = get(OID.subjectKeyIdentifier);
  if (skid) info.subjectKeyId = content(expect(skid, TAG.OCTET_STRING, 'subjectKeyIdentifier'));
  const akid = get(OID.authorityKeyIdentifier);
  if (akid) {
    const keyId = children(expect(akid, TAG.SEQUENCE, 'authorityKeyIdentifier')).find((c) => c.tag === 0x80);
    if (keyId) info.authorityKeyId = content(keyId);
  }
  const constraints = get(OID.basicConstraints);
  if (constraints) {
    const [first] = children(expect(constraints, TAG.SEQUENCE, 'basicConstraints'));
    info.isCa = first?.tag === TAG.BOOLEAN ? readBoolean(first) : false;
  }
  const usage = get(OID.keyUsage);
  if (usage) {
    const { bytes } = readBitString(usage);
    let bits = 0;
    for (let bit = 0; bit < Math.min(bytes.length * 8, 9); bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) bits |= 1 << bit;
    info.keyUsage = bits;
  }
  const san = get(OID.subjectAltName);
  if (san) readGeneralNames(san, info.uris, info.dnsNames);
}

/** Collects URI [6] and DNS [2] entries of GeneralNames (other kinds are skipped). */
export function readGeneralNames(names: DerElement, uris: string[], dnsNames: string[]): void {
  for (const name of children(expect(names, TAG.SEQUENCE, 'GeneralNames'))) {
    const text = (): string => Buffer.from(content(name)).toString('latin1');
    if (name.tag === 0x86) uris.push(text());
    else if (name.tag === 0x82) dnsNames.push(text());
  }
}
