/**
 * A minimal PKCS#10 (RFC 2986) certification request for `x509 mint`: empty subject, the
 * P-256 public key, and an extensionRequest carrying one subjectAltName extension with the DNS
 * names and the SPIFFE ID as the only URI (the shape Go's x509.CreateCertificateRequest gives),
 * signed with ECDSA-SHA256.
 */
import { sign, type KeyObject } from 'node:crypto';
import { der } from '@tspire/spiffe';
import { goQuote } from '../../output/go-quote.js';
import { CliError } from '../../output/rpc-error.js';

const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** GeneralName choices (IMPLICIT IA5String). */
const DNS_NAME = 2;
const URI = 6;

export interface CsrRequest {
  /** The SPIFFE ID, the CSR's only URI SAN. */
  readonly spiffeId: string;
  readonly dnsNames: readonly string[];
  /** EC P-256 key pair; the public key goes in the request, the private key signs it. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** IA5String bytes, rejecting what Go's encoder would reject. */
function ia5(text: string): Buffer {
  if ([...text].some((c) => c.charCodeAt(0) > 0x7f)) throw new CliError(`unable to generate CSR: x509: ${goQuote(text)} cannot be encoded as an IA5String`);
  return Buffer.from(text, 'latin1');
}

function subjectAltName(spiffeId: string, dnsNames: readonly string[]): Buffer {
  // Go writes DNS names before URIs.
  const names = [...dnsNames.map((n) => der.encodeContext(DNS_NAME, false, ia5(n))), der.encodeContext(URI, false, ia5(spiffeId))];
  return der.encodeSequence(der.encodeOid(OID_SUBJECT_ALT_NAME), der.encodeOctetString(der.encodeSequence(...names)));
}

function requestInfo(req: CsrRequest): Buffer {
  const spki = req.publicKey.export({ type: 'spki', format: 'der' });
  const extensions = der.encodeSequence(subjectAltName(req.spiffeId, req.dnsNames));
  const extensionRequest = der.encodeSequence(der.encodeOid(OID_EXTENSION_REQUEST), der.encodeTlv(der.Tag.SET, extensions));
  return der.encodeSequence(
    der.encodeInteger(0),
    der.encodeSequence(), // empty subject Name
    spki,
    der.encodeContext(0, true, extensionRequest), // attributes [0] IMPLICIT SET OF Attribute
  );
}

/** The DER-encoded, signed CSR. */
export function buildCsr(req: CsrRequest): Uint8Array {
  if (req.privateKey.asymmetricKeyType !== 'ec' || req.privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CliError('unable to generate CSR: the key must be an EC P-256 key');
  }
  const info = requestInfo(req);
  const signature = sign('sha256', info, { key: req.privateKey, dsaEncoding: 'der' });
  return new Uint8Array(der.encodeSequence(info, der.encodeSequence(der.encodeOid(OID_ECDSA_WITH_SHA256)), der.encodeBitString(signature)));
}
