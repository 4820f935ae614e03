/**
 * Reads the fields of a DER X.509 certificate the CA needs and node's X509Certificate does not
 * expose (raw subject/issuer Names, key identifiers, SPKI, exact validity, extensions).
 */
import { der } from '@tspire/spiffe';
import { derError, field, isDerError, readUnixTime } from './der-x509.js';
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
export function parseCertificate(input: Uint8Array, what = 'certificate'): CertificateInfo {
  try {
    return parse(input);
  } catch (err) {
    if (isDerError(err)) throw new CaError('ERR_CA_MALFORMED_CERTIFICATE', `${what} is malformed: ${err.message}`, { cause: err });
    throw err;
  }
}

function parse(input: Uint8Array): CertificateInfo {
  const [tbsElement, algorithm, signatureElement, extra] = der.readChildren(der.readSingle(input, der.Tag.SEQUENCE, 'Certificate'));
  if (extra !== undefined) throw derError('trailing data in Certificate');
  const fields = der.readChildren(field(tbsElement, der.Tag.SEQUENCE, 'TBSCertificate'));
  let index = 0;
  if (fields[0]?.tag === 0xa0) {
    const [version] = der.readChildren(fields[0]);
    if (der.readSmallInteger(field(version, der.Tag.INTEGER, 'version')) !== 2) throw derError('only X.509 v3 certificates are supported');
    index = 1;
  }
  const serial = der.readIntegerBytes(field(fields[index], der.Tag.INTEGER, 'serialNumber'));
  const issuer = field(fields[index + 2], der.Tag.SEQUENCE, 'issuer');
  const [notBefore, notAfter] = der.readChildren(field(fields[index + 3], der.Tag.SEQUENCE, 'validity'));
  const subject = field(fields[index + 4], der.Tag.SEQUENCE, 'subject');
  const spki = field(fields[index + 5], der.Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const extensionsField = fields.slice(index + 6).find((f) => f.tag === 0xa3);
  const extensions = extensionsField === undefined ? new Map<string, CertificateExtension>() : readExtensions(der.readChildren(extensionsField)[0]);
  const [algorithmOid] = der.readChildren(field(algorithm, der.Tag.SEQUENCE, 'signatureAlgorithm'));
  const info: CertificateInfo = {
    der: input,
    tbs: der.rawOf(tbsElement!),
    serial,
    signatureAlgorithmOid: der.readOid(field(algorithmOid, der.Tag.OID, 'signature algorithm')),
    signature: der.readBitString(field(signatureElement, der.Tag.BIT_STRING, 'signature')).bytes,
    issuerDer: der.rawOf(issuer),
    subjectDer: der.rawOf(subject),
    spkiDer: der.rawOf(spki),
    notBefore: readUnixTime(field(notBefore, notBefore?.tag ?? -1, 'notBefore')),
    notAfter: readUnixTime(field(notAfter, notAfter?.tag ?? -1, 'notAfter')),
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
export function readExtensions(list: der.DerElement | undefined): Map<string, CertificateExtension> {
  const out = new Map<string, CertificateExtension>();
  for (const ext of der.readChildren(field(list, der.Tag.SEQUENCE, 'Extensions'))) {
    const parts = der.readChildren(field(ext, der.Tag.SEQUENCE, 'Extension'));
    if (parts.length < 2 || parts.length > 3) throw derError('bad Extension');
    const type = der.readOid(field(parts[0], der.Tag.OID, 'extnID'));
    const critical = parts.length === 3 ? der.readBoolean(parts[1]!) : false;
    const value = der.valueOf(field(parts[parts.length - 1], der.Tag.OCTET_STRING, 'extnValue'));
    if (out.has(type)) throw derError(`extension ${type} appears twice`);
    out.set(type, { critical, value });
  }
  return out;
}

function applyExtensions(info: CertificateInfo): void {
  const get = (type: string): der.DerElement | undefined => {
    const ext = info.extensions.get(type);
    if (ext === undefined) return undefined;
    const element = der.readElement(ext.value, 0);
    if (element.end !== ext.value.length) throw derError(`trailing data in extension ${type}`);
    return element;
  };
  const skid = get(OID.subjectKeyIdentifier);
  if (skid) info.subjectKeyId = der.valueOf(field(skid, der.Tag.OCTET_STRING, 'subjectKeyIdentifier'));
  const akid = get(OID.authorityKeyIdentifier);
  if (akid) {
    const keyId = der.readChildren(field(akid, der.Tag.SEQUENCE, 'authorityKeyIdentifier')).find((c) => c.tag === 0x80);
    if (keyId) info.authorityKeyId = der.valueOf(keyId);
  }
  const constraints = get(OID.basicConstraints);
  if (constraints) {
    const [first] = der.readChildren(field(constraints, der.Tag.SEQUENCE, 'basicConstraints'));
    info.isCa = first?.tag === der.Tag.BOOLEAN ? der.readBoolean(first) : false;
  }
  const usage = get(OID.keyUsage);
  if (usage) {
    const { bytes } = der.readBitString(usage);
    let bits = 0;
    for (let bit = 0; bit < Math.min(bytes.length * 8, 9); bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) bits |= 1 << bit;
    info.keyUsage = bits;
  }
  const san = get(OID.subjectAltName);
  if (san) readGeneralNames(san, info.uris, info.dnsNames);
}

/** Collects URI [6] and DNS [2] entries of GeneralNames (other kinds are skipped). */
export function readGeneralNames(names: der.DerElement, uris: string[], dnsNames: string[]): void {
  for (const name of der.readChildren(field(names, der.Tag.SEQUENCE, 'GeneralNames'))) {
    const text = (): string => Buffer.from(der.valueOf(name)).toString('latin1');
    if (name.tag === 0x86) uris.push(text());
    else if (name.tag === 0x82) dnsNames.push(text());
  }
}
