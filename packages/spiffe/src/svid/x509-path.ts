/**
 * Certification path building and validation (RFC 5280 §6, reduced to what SPIFFE needs):
 * from the leaf through the given intermediates (any order) to any certificate of one trust
 * bundle. Issuers are found by subject == issuer Name DER and proven by signature
 * (node's `cert.verify`: ECDSA, RSA PKCS#1 v1.5, RSA-PSS, Ed25519). Every certificate is
 * checked for validity at `now` and for unhandled critical extensions; every issuer must be a
 * CA, carry keyCertSign when it has keyUsage, and honour its pathLenConstraint. Trust anchors
 * are checked as issuers but their own signatures are not verified.
 *
 * Hostile input is bounded: paths hold at most MAX_PATH_LENGTH certificates, each certificate
 * appears once per path, and a search spends at most MAX_SIGNATURE_CHECKS signature checks.
 */
import type { X509Certificate } from 'node:crypto';
import { SpiffeError, isSpiffeError } from '../errors.js';
import { ExtensionOid, describeCertificate, getX509CertInfo, type X509CertInfo } from './x509-cert-info.js';

/** Most certificates in one path, leaf and trust anchor included. */
export const MAX_PATH_LENGTH = 10;
/** Most signature verifications one path search may spend. */
export const MAX_SIGNATURE_CHECKS = 100;

/**
 * Critical extensions that path validation processes (or that cannot change its outcome:
 * certificatePolicies, since no explicit policy is required). Any other critical extension
 * (nameConstraints, policyConstraints, ...) makes its certificate unusable: fail closed.
 */
export const HANDLED_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  ExtensionOid.BASIC_CONSTRAINTS,
  ExtensionOid.KEY_USAGE,
  ExtensionOid.EXT_KEY_USAGE,
  ExtensionOid.SUBJECT_ALT_NAME,
  ExtensionOid.SUBJECT_KEY_IDENTIFIER,
  ExtensionOid.AUTHORITY_KEY_IDENTIFIER,
  ExtensionOid.CERTIFICATE_POLICIES,
]);

interface Search {
  readonly intermediates: readonly X509Certificate[];
  readonly anchors: readonly X509Certificate[];
  readonly now: Date;
  /** Names the bundle in messages, e.g. `trust domain "example.org"`. */
  readonly bundleLabel: string;
  signatureChecks: number;
  /** The first reason a branch failed; reported when no path is found. */
  firstError: SpiffeError | undefined;
}

/**
 * Finds and validates a path `[leaf, ...intermediates, anchor]`.
 * @throws SpiffeError: ERR_X509_EXPIRED, _NOT_YET_VALID, _UNKNOWN_AUTHORITY, _BAD_SIGNATURE,
 * _ISSUER_NOT_CA, _ISSUER_NO_KEY_CERT_SIGN, _PATH_LEN_EXCEEDED, _PATH_TOO_LONG,
 * _UNHANDLED_CRITICAL_EXTENSION or _BAD_CERT (the first failure met on the search).
 */
export function buildVerifiedPath(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  now: Date,
  bundleLabel: string,
): X509Certificate[] {
  const leafProblem = certificateProblem(leaf, getX509CertInfo(leaf), now, 'leaf certificate');
  if (leafProblem !== undefined) throw leafProblem;
  const search: Search = { intermediates, anchors, now, bundleLabel, signatureChecks: 0, firstError: undefined };
  const path = extend(search, [leaf]);
  if (path !== undefined) return path;
  throw search.firstError ?? unknownAuthority(leaf, bundleLabel);
}

/** Depth-first: tries trust anchors first (shortest path), then unused intermediates. */
function extend(search: Search, path: X509Certificate[]): X509Certificate[] | undefined {
  const child = path[path.length - 1]!;
  const issuerName = getX509CertInfo(child).issuerRaw;
  let candidates = 0;
  for (const anchor of search.anchors) {
    if (!subjectIs(search, anchor, issuerName)) continue;
    candidates++;
    if (acceptIssuer(search, path, anchor, 'trust anchor')) return [...path, anchor];
  }
  for (const intermediate of search.intermediates) {
    if (path.includes(intermediate) || !subjectIs(search, intermediate, issuerName)) continue;
    candidates++;
    if (path.length + 2 > MAX_PATH_LENGTH) {
      record(search, new SpiffeError('ERR_X509_PATH_TOO_LONG', `certification path would exceed ${MAX_PATH_LENGTH} certificates`));
      return undefined;
    }
    if (!acceptIssuer(search, path, intermediate, 'intermediate certificate')) continue;
    path.push(intermediate);
    const found = extend(search, path);
    if (found !== undefined) return found;
    path.pop();
  }
  if (candidates === 0) record(search, unknownAuthority(child, search.bundleLabel));
  return undefined;
}

/** Name match; a certificate our strict parser refuses is recorded and never matches. */
function subjectIs(search: Search, cert: X509Certificate, name: Buffer): boolean {
  try {
    return getX509CertInfo(cert).subjectRaw.equals(name);
  } catch (err) {
    if (!isSpiffeError(err, 'ERR_X509_BAD_CERT')) throw err;
    record(search, err);
    return false;
  }
}

/** Signature first (a same-named certificate that did not sign is simply not the issuer), then constraints. */
function acceptIssuer(search: Search, path: readonly X509Certificate[], issuer: X509Certificate, role: string): boolean {
  const child = path[path.length - 1]!;
  const signatureProblem = checkSignature(search, child, issuer, role);
  const info = getX509CertInfo(issuer);
  const problem = signatureProblem ?? certificateProblem(issuer, info, search.now, role) ?? issuerProblem(issuer, info, path.length - 1, role);
  if (problem === undefined) return true;
  record(search, problem);
  return false;
}

function checkSignature(search: Search, child: X509Certificate, issuer: X509Certificate, role: string): SpiffeError | undefined {
  if (++search.signatureChecks > MAX_SIGNATURE_CHECKS) {
    // Out of budget: abort the whole search (thrown, not recorded), whatever failed before.
    throw new SpiffeError('ERR_X509_PATH_TOO_LONG', `certification path search gave up after ${MAX_SIGNATURE_CHECKS} signature checks`);
  }
  let valid = false;
  try {
    valid = child.verify(issuer.publicKey);
  } catch {
    valid = false; // e.g. a key type OpenSSL cannot verify with
  }
  if (valid) return undefined;
  return new SpiffeError(
    'ERR_X509_BAD_SIGNATURE',
    `signature of certificate ${describeCertificate(child)} does not verify with the public key of ${role} ${describeCertificate(issuer)}`,
  );
}

/** Checks that apply to every certificate in the path: validity window, critical extensions. */
function certificateProblem(cert: X509Certificate, info: X509CertInfo, now: Date, role: string): SpiffeError | undefined {
  const time = now.getTime();
  if (time < info.notBefore.getTime()) {
    return new SpiffeError(
      'ERR_X509_NOT_YET_VALID',
      `${role} ${describeCertificate(cert)} is not valid before ${info.notBefore.toISOString()} (now ${now.toISOString()})`,
    );
  }
  if (time > info.notAfter.getTime()) {
    return new SpiffeError(
      'ERR_X509_EXPIRED',
      `${role} ${describeCertificate(cert)} expired at ${info.notAfter.toISOString()} (now ${now.toISOString()})`,
    );
  }
  const unhandled = info.criticalExtensions.find((oid) => !HANDLED_CRITICAL_EXTENSIONS.has(oid));
  if (unhandled !== undefined) {
    return new SpiffeError('ERR_X509_UNHANDLED_CRITICAL_EXTENSION', `${role} ${describeCertificate(cert)} has unhandled critical extension ${unhandled}`);
  }
  return undefined;
}

/** Checks for a certificate acting as an issuer, with `intermediatesBelow` non-leaf certificates under it. */
function issuerProblem(cert: X509Certificate, info: X509CertInfo, intermediatesBelow: number, role: string): SpiffeError | undefined {
  const constraints = info.basicConstraints;
  if (constraints?.ca !== true) {
    return new SpiffeError('ERR_X509_ISSUER_NOT_CA', `${role} ${describeCertificate(cert)} is not a CA (basicConstraints cA is not true)`);
  }
  if (info.keyUsage !== undefined && !info.keyUsage.keyCertSign) {
    return new SpiffeError('ERR_X509_ISSUER_NO_KEY_CERT_SIGN', `${role} ${describeCertificate(cert)} has keyUsage without keyCertSign`);
  }
  if (constraints.pathLenConstraint !== undefined && intermediatesBelow > constraints.pathLenConstraint) {
    return new SpiffeError(
      'ERR_X509_PATH_LEN_EXCEEDED',
      `${role} ${describeCertificate(cert)} allows ${constraints.pathLenConstraint} intermediate(s) below it (pathLenConstraint) but the path has ${intermediatesBelow}`,
    );
  }
  return undefined;
}

function unknownAuthority(cert: X509Certificate, bundleLabel: string): SpiffeError {
  const issuer = ((cert.issuer as string | undefined) ?? '').trim().split('\n').join(', ');
  return new SpiffeError(
    'ERR_X509_UNKNOWN_AUTHORITY',
    `certificate ${describeCertificate(cert)} was issued by ${JSON.stringify(issuer)}, which is neither among the given intermediates nor in the X.509 bundle of ${bundleLabel}`,
  );
}

function record(search: Search, error: SpiffeError): void {
  search.firstError ??= error;
}
