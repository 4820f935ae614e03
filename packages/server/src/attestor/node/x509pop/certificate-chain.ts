/**
 * Chain verification for x509pop, following Go's x509.Verify as SPIRE calls it (any extended
 * key usage): every path from the leaf through the presented intermediates to a trusted root is
 * built; on each link the child names the parent as issuer (names and key identifiers, checked
 * by OpenSSL), the parent is a CA allowed to sign certificates (keyCertSign when KeyUsage is
 * present, pathLenConstraint honoured) and its key verifies the child's signature; every
 * certificate of the path, root included, is valid at `now`. Fail closed where Go would do
 * more than we implement: name constraints and unknown critical extensions are refused, and so
 * are MD5/SHA-1 signatures (as Go since 1.18).
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { der } from '@tspire/spiffe';
import { parseCertificate, type CertificateInfo } from '../../../ca/certificate-info.js';
import { OID } from '../../../ca/oids.js';
import { decodeName } from '../../../ca/x509-name.js';
import { AttestorError } from '../../errors.js';

export interface PopCertificate {
  der: Uint8Array;
  x509: X509Certificate;
  info: CertificateInfo;
  /** SHA-1 of the DER, lowercase hex (SPIRE's fingerprint). */
  fingerprint: string;
  /** Last CN and serialNumber attributes of the subject (Go's pkix.Name), '' when absent. */
  commonName: string;
  subjectSerialNumber: string;
  /** Subject for messages. */
  subject: string;
}

const NAME_CONSTRAINTS = '2.5.29.30';
const CERTIFICATE_POLICIES = '2.5.29.32';
const KEY_CERT_SIGN = 1 << 5;
const HANDLED_CRITICAL = new Set<string>([
  OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier, CERTIFICATE_POLICIES,
]);
const WEAK_SIGNATURES = new Set([
  '1.2.840.113549.1.1.4', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  '1.2.840.10040.4.3', // dsa-with-sha1
]);

/**
 * Parses one DER certificate; `what` names it in errors ("leaf certificate").
 * @throws AttestorError ERR_X509POP_INVALID_PAYLOAD
 */
export function parsePopCertificate(bytes: Uint8Array, what: string): PopCertificate {
  try {
    const info = parseCertificate(bytes, what);
    if (((info.serial[0] ?? 0) & 0x80) !== 0) throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', `${what} has a negative serial number`);
    const x509 = new X509Certificate(bytes);
    const attributes = decodeName(der.readSingle(info.subjectDer));
    const last = (oid: string): string => attributes.filter((a) => a.oid === oid).at(-1)?.value ?? '';
    return {
      der: bytes, x509, info,
      fingerprint: createHash('sha1').update(bytes).digest('hex'),
      commonName: last(OID.commonName),
      subjectSerialNumber: last(OID.serialNumber),
      subject: x509.subject.replace(/\n/g, ', '),
    };
  } catch (err) {
    if (err instanceof AttestorError) throw err;
    throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', `unable to parse ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Every verified path [leaf, ...intermediates, root] from `leaf` to one of `roots`.
 * @throws AttestorError ERR_X509POP_CERTIFICATE_REJECTED saying why no path verifies.
 */
export function verifyChains(leaf: PopCertificate, intermediates: readonly PopCertificate[], roots: readonly PopCertificate[], nowSeconds: number): PopCertificate[][] {
  const reject = (reason: string): never => {
    throw new AttestorError('ERR_X509POP_CERTIFICATE_REJECTED', `certificate verification failed: ${reason}`);
  };
  const leafProblem = problemWith(leaf, nowSeconds);
  if (leafProblem !== undefined) reject(`leaf certificate ${leafProblem}`);
  if (roots.some((root) => Buffer.compare(root.der, leaf.der) === 0)) return [[leaf]];
  const chains: PopCertificate[][] = [];
  const problems: string[] = [];
  const extend = (path: PopCertificate[]): void => {
    const child = path[path.length - 1]!;
    for (const [candidate, isRoot] of [...roots.map((c) => [c, true] as const), ...intermediates.map((c) => [c, false] as const)]) {
      if (path.includes(candidate)) continue;
      const problem = linkProblem(child, candidate, path.length - 1, nowSeconds);
      if (problem === undefined) {
        if (isRoot) chains.push([...path, candidate]);
        else extend([...path, candidate]);
      } else if (problem !== NOT_ISSUER) {
        problems.push(`${candidate.subject} ${problem}`);
      }
    }
  };
  extend([leaf]);
  if (chains.length === 0) {
    reject(`certificate signed by unknown authority${problems.length > 0 ? ` (${problems[0]})` : ''}`);
  }
  return chains;
}

const NOT_ISSUER = 'is not the issuer';

/** Why `parent` cannot sign `child` (`below` = intermediates already under the parent). */
function linkProblem(child: PopCertificate, parent: PopCertificate, below: number, nowSeconds: number): string | undefined {
  if (!child.x509.checkIssued(parent.x509)) return NOT_ISSUER;
  if (!parent.info.isCa) return 'is not a CA (basicConstraints cA is not set)';
  if (parent.info.keyUsage !== undefined && (parent.info.keyUsage & KEY_CERT_SIGN) === 0) return 'may not sign certificates (keyUsage lacks keyCertSign)';
  const pathLen = pathLenConstraint(parent.info);
  if (pathLen !== undefined && pathLen < 0) return 'has a malformed basicConstraints extension';
  if (pathLen !== undefined && below > pathLen) return `allows ${pathLen} intermediate(s) below it, the chain has ${below}`;
  if (WEAK_SIGNATURES.has(child.info.signatureAlgorithmOid)) return `signed ${child.subject} with an insecure algorithm (${child.info.signatureAlgorithmOid})`;
  if (!safeVerify(child.x509, parent.x509.publicKey)) return `did not produce the signature of ${child.subject}`;
  return problemWith(parent, nowSeconds);
}

/** Why a certificate is unusable on its own: validity window and extensions we do not handle. */
function problemWith(cert: PopCertificate, nowSeconds: number): string | undefined {
  if (nowSeconds < cert.info.notBefore) return `is not yet valid: current time ${iso(nowSeconds)} is before ${iso(cert.info.notBefore)}`;
  if (nowSeconds > cert.info.notAfter) return `has expired: current time ${iso(nowSeconds)} is after ${iso(cert.info.notAfter)}`;
  if (cert.info.extensions.has(NAME_CONSTRAINTS)) return 'has name constraints, which are not supported';
  for (const [oid, ext] of cert.info.extensions) {
    if (ext.critical && !HANDLED_CRITICAL.has(oid)) return `has an unhandled critical extension ${oid}`;
  }
  return undefined;
}

/** basicConstraints pathLenConstraint, if any. */
function pathLenConstraint(info: CertificateInfo): number | undefined {
  const ext = info.extensions.get(OID.basicConstraints);
  if (ext === undefined) return undefined;
  try {
    const fields = der.readChildren(der.readSingle(ext.value, der.Tag.SEQUENCE, 'basicConstraints'));
    const length = fields.find((f) => f.tag === der.Tag.INTEGER);
    return length === undefined ? undefined : der.readSmallInteger(length);
  } catch {
    return -1; // unreadable: allows nothing below it
  }
}

function safeVerify(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
