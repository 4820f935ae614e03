/**
 * The X509-SVID hot path. Everything that depends only on the CA (issuer Name, AKID, signature
 * algorithm, fixed extensions) is encoded once per CA; each SVID then only encodes its serial,
 * validity, subject, SPKI, SKID and SAN and makes one node:crypto `sign` on the cached CA key.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { TrustDomain, der } from '@tspire/spiffe';
import { checkSvidId } from './svid-id.js';
import { VERSION_3, pooledRandomBytes, randomSerial, type RandomBytes } from './certificate-builder.js';
import { parseCertificate, type CertificateInfo } from './certificate-info.js';
import { BACKDATE_SECONDS } from './ca-certificate.js';
import { encodeUnixTime, isDerError, sequence, tlv } from './der-x509.js';
import { CaError } from './errors.js';
import {
  EXTENSIONS_FIELD, authorityKeyIdentifier, basicConstraints, extKeyUsageServerClient, keyUsage, subjectAltName,
  subjectKeyIdentifier, subjectPublicKeyBits,
} from './extensions.js';
import { certificateSigner, type CertificateSigner } from './signature-algorithm.js';
import { DEFAULT_SVID_SUBJECT, encodeName, nameAttribute, type DistinguishedName } from './x509-name.js';
import { OID } from './oids.js';

export interface X509SvidSignerOptions {
  /** Trust domain name; every SVID ID must be a member. */
  trustDomain: string;
  /** The signing CA certificate (DER). */
  caCertificate: Uint8Array;
  /** The CA's private key, cached by the key manager. */
  caPrivateKey: KeyObject;
  randomBytes?: RandomBytes;
}

export interface X509SvidParams {
  /** The SPIFFE ID (URI SAN); must be in the trust domain and have a path. */
  spiffeId: string;
  /** SubjectPublicKeyInfo DER of the SVID key (from `parseCsr`, which validated it). */
  spkiDer: Uint8Array;
  dnsNames?: readonly string[];
  ttlSeconds: number;
  /** Unix seconds. */
  now: number;
  /** Overrides the default subject (C=US, O=SPIRE, CN = first DNS name). */
  subject?: DistinguishedName;
}

export interface SignedX509Svid {
  certificate: Buffer;
  serial: Uint8Array;
  /** Unix seconds. */
  notBefore: number;
  notAfter: number;
}

const DNS_NAME = /^[\x21-\x7e]{1,253}$/;
const EMPTY_NAME_LENGTH = 2; // SEQUENCE {}: RFC 5280 then wants a critical SAN
const NO_UNUSED_BITS = Uint8Array.of(0); // the signature BIT STRING is whole bytes

/**
 * Signs X509-SVIDs (workload, agent and server) for one CA.
 * @example
 * const signer = new X509SvidSigner({ trustDomain: 'example.org', caCertificate, caPrivateKey });
 * const { certificate } = signer.sign({ spiffeId: 'spiffe://example.org/web', spkiDer, ttlSeconds: 3600, now: Date.now() / 1000 });
 */
export class X509SvidSigner {
  readonly ca: CertificateInfo;
  readonly #trustDomain: TrustDomain;
  readonly #signer: CertificateSigner;
  readonly #randomBytes: RandomBytes;
  /** issuer-dependent TBS pieces, encoded once */
  readonly #afterSerial: Buffer;
  readonly #fixedExtensions: Buffer;
  readonly #defaultSubject: Buffer;
  readonly #defaultRdns: Buffer;

  constructor(options: X509SvidSignerOptions) {
    this.ca = parseCertificate(options.caCertificate, 'CA certificate');
    this.#trustDomain = TrustDomain.parse(options.trustDomain);
    this.#signer = certificateSigner(options.caPrivateKey);
    this.#randomBytes = options.randomBytes ?? pooledRandomBytes();
    this.#afterSerial = Buffer.concat([this.#signer.algorithmIdentifier, this.ca.subjectDer]);
    const akid = this.ca.subjectKeyId;
    this.#fixedExtensions = Buffer.concat([
      keyUsage(['digitalSignature', 'keyEncipherment', 'keyAgreement']),
      extKeyUsageServerClient(),
      basicConstraints(false),
      ...(akid === undefined ? [] : [authorityKeyIdentifier(akid)]),
    ]);
    this.#defaultSubject = encodeName(DEFAULT_SVID_SUBJECT);
    this.#defaultRdns = this.#defaultSubject.subarray(2); // short-form header: C=US, O=SPIRE
  }

  /** CA notAfter (unix seconds); SVIDs never outlive it. */
  get caNotAfter(): number {
    return this.ca.notAfter;
  }

  sign(params: X509SvidParams): SignedX509Svid {
    const spiffeId = checkSvidId(params.spiffeId, this.#trustDomain, 'X509-SVID');
    const dnsNames = params.dnsNames ?? [];
    for (const dns of dnsNames) {
      if (!DNS_NAME.test(dns)) throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `DNS name ${JSON.stringify(dns.slice(0, 64))} must be 1-253 printable ASCII characters`);
    }
    if (!Number.isInteger(params.ttlSeconds) || params.ttlSeconds <= 0) {
      throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `SVID TTL must be a positive whole number of seconds, got ${params.ttlSeconds}`);
    }
    const now = Math.floor(params.now);
    if (now >= this.ca.notAfter) {
      throw new CaError('ERR_CA_EXPIRED', `the signing CA expired at ${new Date(this.ca.notAfter * 1000).toISOString()}`);
    }
    const notBefore = now - BACKDATE_SECONDS;
    const notAfter = Math.min(now + params.ttlSeconds, this.ca.notAfter);
    let keyBits: Uint8Array;
    try {
      keyBits = subjectPublicKeyBits(params.spkiDer);
    } catch (err) {
      if (isDerError(err)) throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `SVID public key is malformed: ${err.message}`, { cause: err });
      throw err;
    }
    const subject = this.#subject(params.subject, dnsNames[0]);
    const serial = randomSerial(this.#randomBytes);
    const tbs = sequence(
      VERSION_3,
      der.encodeInteger(serial),
      this.#afterSerial,
      sequence(encodeUnixTime(notBefore), encodeUnixTime(notAfter)),
      subject,
      params.spkiDer,
      tlv(EXTENSIONS_FIELD, sequence(
        this.#fixedExtensions,
        subjectKeyIdentifier(createHash('sha1').update(keyBits).digest()),
        subjectAltName([spiffeId], dnsNames, subject.length === EMPTY_NAME_LENGTH),
      )),
    );
    const certificate = sequence(tbs, this.#signer.algorithmIdentifier, tlv(der.Tag.BIT_STRING, NO_UNUSED_BITS, this.#signer.sign(tbs)));
    return { certificate, serial, notBefore, notAfter };
  }

  #subject(custom: DistinguishedName | undefined, firstDns: string | undefined): Buffer {
    if (custom !== undefined) {
      try {
        return encodeName(custom);
      } catch (err) {
        throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `SVID subject cannot be encoded: ${(err as Error).message}`, { cause: err });
      }
    }
    if (firstDns === undefined) return this.#defaultSubject;
    // Same bytes as encodeName({ ...DEFAULT_SVID_SUBJECT, commonName }) without re-encoding C and O.
    return sequence(this.#defaultRdns, nameAttribute(OID.commonName, firstDns));
  }
}
