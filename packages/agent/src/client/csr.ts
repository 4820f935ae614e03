/**
 * PKCS#10 certificate signing requests as the SPIRE agent sends them: subject C=US, O=SPIRE, an
 * optional URI SAN (workload CSRs carry the entry's SPIFFE ID; the agent's own CSR none), signed
 * with node:crypto. The server uses only the public key (and, for workloads, checks the
 * signature), so the structure stays minimal: no other attributes, no DNS names.
 */
import { createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SpiffeId, der } from '@tspire/spiffe';
import { AgentError } from '../errors.js';

/** Key types by their SPIRE config names (`workload_x509_svid_key_type`). */
export type CsrKeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048';

export const CSR_KEY_TYPES: readonly CsrKeyType[] = ['ec-p256', 'ec-p384', 'rsa-2048'];

export interface CreateCsrOptions {
  /** The URI SAN: the entry's SPIFFE ID for workload SVIDs; omit for the agent SVID. */
  spiffeId?: string | SpiffeId;
}

const OID = {
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

/** C=US, O=SPIRE as PrintableStrings, the form Go's asn1 gives printable strings. */
const SUBJECT = der.encodeSequence(
  rdn(OID.countryName, 'US'),
  rdn(OID.organizationName, 'SPIRE'),
);

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * A fresh private key of `keyType` (default EC P-256, the SPIRE default).
 * @example const key = await generateCsrKey('ec-p384');
 * @throws AgentError ERR_AGENT_INVALID_CSR_REQUEST for an unknown key type.
 */
export async function generateCsrKey(keyType: CsrKeyType = 'ec-p256'): Promise<KeyObject> {
  switch (keyType) {
    case 'ec-p256':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-256' })).privateKey;
    case 'ec-p384':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-384' })).privateKey;
    case 'rsa-2048':
      return (await generateKeyPairAsync('rsa', { modulusLength: 2048 })).privateKey;
    default:
      throw new AgentError('ERR_AGENT_INVALID_CSR_REQUEST', `unsupported key type ${JSON.stringify(keyType)}; use one of ${CSR_KEY_TYPES.join(', ')}`);
  }
}

/**
 * Builds a DER CSR signed by `privateKey` (EC P-256/P-384 with ECDSA SHA-256/SHA-384, RSA with
 * PKCS#1 v1.5 SHA-256).
 * @example
 * const key = await generateCsrKey();
 * const csrDer = createCsr(key, { spiffeId: 'spiffe://example.org/workload' });
 * @throws AgentError ERR_AGENT_INVALID_CSR_REQUEST for another key type or an invalid SPIFFE ID.
 */
export function createCsr(privateKey: KeyObject, options: CreateCsrOptions = {}): Uint8Array {
  const signer = signerFor(privateKey);
  const attributes = options.spiffeId === undefined ? [] : [extensionRequest(uriSan(spiffeIdText(options.spiffeId)))];
  const info = der.encodeSequence(
    der.encodeInteger(0),
    SUBJECT,
    createPublicKey(privateKey).export({ format: 'der', type: 'spki' }),
    der.encodeContext(0, true, ...attributes),
  );
  const signature = sign(signer.digest, info, privateKey);
  return new Uint8Array(der.encodeSequence(info, signer.algorithm, der.encodeBitString(signature)));
}

interface CsrSigner {
  digest: string;
  /** The encoded AlgorithmIdentifier. */
  algorithm: Buffer;
}

function signerFor(privateKey: KeyObject): CsrSigner {
  if (privateKey.type !== 'private') throw new AgentError('ERR_AGENT_INVALID_CSR_REQUEST', 'a CSR needs a private key, not a public or secret key');
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') {
    return { digest: 'sha256', algorithm: der.encodeSequence(der.encodeOid(OID.ecdsaWithSha256)) };
  }
  if (privateKey.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1') {
    return { digest: 'sha384', algorithm: der.encodeSequence(der.encodeOid(OID.ecdsaWithSha384)) };
  }
  if (privateKey.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) {
    return { digest: 'sha256', algorithm: der.encodeSequence(der.encodeOid(OID.sha256WithRsa), der.encodeNull()) };
  }
  const what = privateKey.asymmetricKeyType === 'ec' ? `EC curve ${details?.namedCurve ?? 'unknown'}` : `${privateKey.asymmetricKeyType ?? 'unknown'} key`;
  throw new AgentError('ERR_AGENT_INVALID_CSR_REQUEST', `unsupported CSR key: ${what} (use EC P-256, EC P-384 or RSA of at least 2048 bits)`);
}

function spiffeIdText(id: string | SpiffeId): string {
  if (id instanceof SpiffeId) return id.toString();
  try {
    return SpiffeId.parse(id).toString();
  } catch (err) {
    throw new AgentError('ERR_AGENT_INVALID_CSR_REQUEST', `invalid CSR SPIFFE ID ${JSON.stringify(id)}: ${(err as Error).message}`, { cause: err });
  }
}

/** One RelativeDistinguishedName holding one PrintableString attribute. */
function rdn(oid: string, value: string): Buffer {
  return der.encodeTlv(der.Tag.SET, der.encodeSequence(der.encodeOid(oid), der.encodeTlv(der.Tag.PRINTABLE_STRING, Buffer.from(value, 'latin1'))));
}

/** Extension subjectAltName (not critical: the subject is not empty) with one URI. */
function uriSan(uri: string): Buffer {
  const generalNames = der.encodeSequence(der.encodeContext(6, false, Buffer.from(uri, 'latin1')));
  return der.encodeSequence(der.encodeOid(OID.subjectAltName), der.encodeOctetString(generalNames));
}

/** Attribute extensionRequest { SET { Extensions } }. */
function extensionRequest(...extensions: Buffer[]): Buffer {
  return der.encodeSequence(der.encodeOid(OID.extensionRequest), der.encodeTlv(der.Tag.SET, der.encodeSequence(...extensions)));
}
