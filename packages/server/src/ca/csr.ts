/**
 * PKCS#10 certificate signing requests: a strict DER parse plus a node:crypto check of the
 * self-signature. (@peculiar/x509 took ~1.8 ms per CSR here; this path ~0.2 ms, almost all of
 * it OpenSSL importing the public key and verifying with it.)
 *
 * Accepted keys: EC P-256 and P-384 (uncompressed or compressed points) and RSA with a
 * 2048-8192 bit modulus. Accepted signatures: ECDSA and RSA PKCS#1 v1.5 with SHA-256/384/512.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readExtensions, readGeneralNames } from './certificate-info.js';
import { der } from '@tspire/spiffe';
import { derError, field, isDerError } from './der-x509.js';
import { CaError } from './errors.js';
import { OID } from './oids.js';
import { decodeName, type NameAttribute } from './x509-name.js';

export type CsrKeyType = 'ec-p256' | 'ec-p384' | 'rsa';

export interface ParsedCsr {
  /** SubjectPublicKeyInfo DER, copied verbatim into the SVID (a view into the input). */
  spkiDer: Uint8Array;
  publicKey: KeyObject;
  keyType: CsrKeyType;
  /** RSA modulus bits or the EC curve size. */
  keyBits: number;
  /** The subject Name DER (a view into the input). */
  subjectDer: Uint8Array;
  /**
   * The subject attributes, decoded on first read (signing never needs them). parseCsr has
   * already checked the Name, so reading this never throws. A prototype getter: spreading or
   * cloning a ParsedCsr leaves it out.
   */
  readonly subject: NameAttribute[];
  /** URI and DNS SANs from the extensionRequest attribute. */
  uris: string[];
  dnsNames: string[];
}

interface CsrKey {
  publicKey: KeyObject;
  keyType: CsrKeyType;
  keyBits: number;
}

class Csr implements ParsedCsr {
  publicKey: KeyObject;
  keyType: CsrKeyType;
  keyBits: number;
  uris: string[] = [];
  dnsNames: string[] = [];
  #subject: NameAttribute[] | undefined;

  constructor(public spkiDer: Uint8Array, public subjectDer: Uint8Array, key: CsrKey) {
    this.publicKey = key.publicKey;
    this.keyType = key.keyType;
    this.keyBits = key.keyBits;
  }

  get subject(): NameAttribute[] {
    return (this.#subject ??= decodeName(der.readSingle(this.subjectDer)));
  }
}

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

const CURVES: Record<string, { keyType: CsrKeyType; crv: string; size: number }> = {
  [OID.prime256v1]: { keyType: 'ec-p256', crv: 'P-256', size: 32 },
  [OID.secp384r1]: { keyType: 'ec-p384', crv: 'P-384', size: 48 },
};

const SIGNATURES: Record<string, { digest: string; kind: 'ec' | 'rsa' }> = {
  [OID.ecdsaWithSha256]: { digest: 'sha256', kind: 'ec' },
  [OID.ecdsaWithSha384]: { digest: 'sha384', kind: 'ec' },
  [OID.ecdsaWithSha512]: { digest: 'sha512', kind: 'ec' },
  [OID.sha256WithRsa]: { digest: 'sha256', kind: 'rsa' },
  [OID.sha384WithRsa]: { digest: 'sha384', kind: 'rsa' },
  [OID.sha512WithRsa]: { digest: 'sha512', kind: 'rsa' },
};

/**
 * Parses a DER CSR and verifies its self-signature.
 * @throws CaError ERR_CA_MALFORMED_CSR, ERR_CA_UNSUPPORTED_KEY_TYPE,
 *   ERR_CA_UNSUPPORTED_CSR_SIGNATURE_ALGORITHM or ERR_CA_BAD_CSR_SIGNATURE.
 * @example const { spkiDer, uris } = parseCsr(csrDer);
 */
export function parseCsr(input: Uint8Array): ParsedCsr {
  try {
    return parse(input);
  } catch (err) {
    if (isDerError(err)) throw new CaError('ERR_CA_MALFORMED_CSR', `malformed CSR: ${err.message}`, { cause: err });
    throw err;
  }
}

function parse(input: Uint8Array): ParsedCsr {
  const [info, algorithm, signature, extra] = der.readChildren(der.readSingle(input, der.Tag.SEQUENCE, 'CertificationRequest'));
  if (extra !== undefined) throw derError('trailing data in CertificationRequest');
  const [version, subject, spki, attributes, more] = der.readChildren(field(info, der.Tag.SEQUENCE, 'certificationRequestInfo'));
  if (der.readSmallInteger(field(version, der.Tag.INTEGER, 'version')) !== 0) throw derError('CSR version must be 0 (v1)');
  if (more !== undefined || (attributes !== undefined && attributes.tag !== 0xa0)) throw derError('unexpected field after attributes');
  const key = importKey(field(spki, der.Tag.SEQUENCE, 'subjectPKInfo'));
  checkName(field(subject, der.Tag.SEQUENCE, 'subject'));
  const parsed = new Csr(der.rawOf(spki!), der.rawOf(subject!), key);
  if (attributes !== undefined) readSans(attributes, parsed);
  checkSignature(der.rawOf(info!), algorithm, signature, parsed);
  return parsed;
}

/**
 * Every check decodeName makes (SEQUENCE OF SET OF SEQUENCE { OID, directory string }, with
 * well-formed OIDs and string types), without decoding, so a bad subject is still refused here
 * while the decoding waits until someone reads `subject`.
 */
function checkName(name: der.DerElement): void {
  const { bytes } = name;
  for (let offset = name.valueStart; offset < name.end;) {
    const rdn = der.expectTag(der.readElement(bytes, offset, name.end), der.Tag.SET, 'RelativeDistinguishedName');
    offset = rdn.end;
    for (let at = rdn.valueStart; at < rdn.end;) {
      const atv = der.expectTag(der.readElement(bytes, at, rdn.end), der.Tag.SEQUENCE, 'AttributeTypeAndValue');
      at = atv.end;
      const type = field(atv.valueStart < atv.end ? der.readElement(bytes, atv.valueStart, atv.end) : undefined, der.Tag.OID, 'attribute type');
      der.readOid(type);
      const value = type.end < atv.end ? der.readElement(bytes, type.end, atv.end) : undefined;
      checkDirectoryString(field(value, value?.tag ?? -1, 'attribute value'));
      // decodeName ignores further children but its readChildren checks their framing: so do we.
      for (let next = value!.end; next < atv.end;) next = der.readElement(bytes, next, atv.end).end;
    }
  }
}

/** The string types decodeName's readString accepts (UTF8, Printable, IA5, Teletex, BMP). */
function checkDirectoryString(value: der.DerElement): void {
  switch (value.tag) {
    case der.Tag.UTF8_STRING:
    case der.Tag.PRINTABLE_STRING:
    case der.Tag.IA5_STRING:
    case 0x14: // TeletexString
      return;
    case 0x1e: // BMPString: UTF-16BE code units
      if ((value.end - value.valueStart) % 2 !== 0) throw derError('bad BMPString');
      return;
    default:
      throw derError(`unsupported string tag 0x${value.tag.toString(16)}`);
  }
}

function importKey(spki: der.DerElement): CsrKey {
  const [algorithm, keyBitString] = der.readChildren(spki);
  const [algorithmOid, params] = der.readChildren(field(algorithm, der.Tag.SEQUENCE, 'SubjectPublicKeyInfo algorithm'));
  const type = der.readOid(field(algorithmOid, der.Tag.OID, 'public key algorithm'));
  const { unusedBits, bytes } = der.readBitString(field(keyBitString, der.Tag.BIT_STRING, 'subjectPublicKey'));
  if (unusedBits !== 0) throw derError('subjectPublicKey must be whole bytes');
  if (type === OID.ecPublicKey) {
    const curveOid = params?.tag === der.Tag.OID ? der.readOid(params) : '';
    const curve = CURVES[curveOid];
    if (curve === undefined) throw new CaError('ERR_CA_UNSUPPORTED_KEY_TYPE', `unsupported EC curve ${curveOid || '(not a named curve)'}; use P-256 or P-384`);
    // For P-256, JWK import is ~2x cheaper than SPKI decoding in OpenSSL 3 and still rejects
    // points off the curve; for P-384 its full key check costs more than SPKI decoding.
    if (curve.keyType === 'ec-p256' && bytes.length === 1 + 2 * curve.size && bytes[0] === 0x04) {
      const x = bytes.toString('base64url', 1, 1 + curve.size);
      const y = bytes.toString('base64url', 1 + curve.size);
      return { publicKey: keyOrMalformed(() => createPublicKey({ key: { kty: 'EC', crv: curve.crv, x, y }, format: 'jwk' })), keyType: curve.keyType, keyBits: curve.size * 8 };
    }
    return { publicKey: keyOrMalformed(() => createPublicKey({ key: der.rawOf(spki), format: 'der', type: 'spki' })), keyType: curve.keyType, keyBits: curve.size * 8 };
  }
  if (type === OID.rsaEncryption) {
    if (params !== undefined && params.tag !== der.Tag.NULL) throw derError('RSA key parameters must be NULL');
    const [modulus, exponent] = der.readChildren(der.readSingle(bytes, der.Tag.SEQUENCE, 'RSAPublicKey'));
    const n = unsigned(der.readIntegerBytes(field(modulus, der.Tag.INTEGER, 'RSA modulus')));
    const e = unsigned(der.readIntegerBytes(field(exponent, der.Tag.INTEGER, 'RSA exponent')));
    const keyBits = n.length * 8 - Math.clz32(n[0] ?? 0) + 24;
    if (keyBits < MIN_RSA_BITS || keyBits > MAX_RSA_BITS) {
      throw new CaError('ERR_CA_UNSUPPORTED_KEY_TYPE', `RSA key is ${keyBits} bits; ${MIN_RSA_BITS}-${MAX_RSA_BITS} are accepted`);
    }
    const jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
    return { publicKey: keyOrMalformed(() => createPublicKey({ key: jwk, format: 'jwk' })), keyType: 'rsa', keyBits };
  }
  throw new CaError('ERR_CA_UNSUPPORTED_KEY_TYPE', `unsupported public key algorithm ${type}; use EC P-256/P-384 or RSA`);
}

/** Strips the sign byte of a positive INTEGER; negative values are rejected. */
function unsigned(bytes: Buffer): Buffer {
  if ((bytes[0]! & 0x80) !== 0) throw derError('RSA key integers must be positive');
  return bytes[0] === 0 ? bytes.subarray(1) : bytes;
}

function keyOrMalformed(load: () => KeyObject): KeyObject {
  try {
    return load();
  } catch (err) {
    throw new CaError('ERR_CA_MALFORMED_CSR', `malformed CSR: invalid public key (${(err as Error).message})`, { cause: err });
  }
}

/** Reads URI and DNS SANs from the extensionRequest attribute (other attributes are ignored). */
function readSans(attributes: der.DerElement, parsed: ParsedCsr): void {
  for (const attribute of der.readChildren(attributes)) {
    const [type, values] = der.readChildren(field(attribute, der.Tag.SEQUENCE, 'Attribute'));
    if (der.readOid(field(type, der.Tag.OID, 'attribute type')) !== OID.extensionRequest) continue;
    const [extensions] = der.readChildren(field(values, der.Tag.SET, 'extensionRequest values'));
    const san = readExtensions(extensions).get(OID.subjectAltName);
    if (san === undefined) continue;
    const names = der.readElement(san.value, 0);
    if (names.end !== san.value.length) throw derError('trailing data in subjectAltName');
    readGeneralNames(names, parsed.uris, parsed.dnsNames);
  }
}

function checkSignature(info: Uint8Array, algorithm: der.DerElement | undefined, signature: der.DerElement | undefined, parsed: ParsedCsr): void {
  const [algorithmOid, params] = der.readChildren(field(algorithm, der.Tag.SEQUENCE, 'signatureAlgorithm'));
  const type = der.readOid(field(algorithmOid, der.Tag.OID, 'signature algorithm'));
  const scheme = SIGNATURES[type];
  if (scheme === undefined) {
    throw new CaError('ERR_CA_UNSUPPORTED_CSR_SIGNATURE_ALGORITHM', `CSR signature algorithm ${type} is not supported; use ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512`);
  }
  if (scheme.kind === 'ec' ? params !== undefined : params !== undefined && params.tag !== der.Tag.NULL) {
    throw derError('unexpected signature algorithm parameters');
  }
  if ((scheme.kind === 'ec') !== (parsed.keyType !== 'rsa')) {
    throw new CaError('ERR_CA_BAD_CSR_SIGNATURE', `CSR signature algorithm ${type} does not match its ${parsed.keyType} key`);
  }
  const { unusedBits, bytes } = der.readBitString(field(signature, der.Tag.BIT_STRING, 'signature'));
  let valid = false;
  try {
    // A KeyObject alone: dsaEncoding 'der' and PKCS#1 v1.5 padding are the defaults.
    valid = unusedBits === 0 && verify(scheme.digest, info, parsed.publicKey, bytes);
  } catch {
    valid = false;
  }
  if (!valid) throw new CaError('ERR_CA_BAD_CSR_SIGNATURE', 'CSR signature does not verify with the CSR public key');
}
