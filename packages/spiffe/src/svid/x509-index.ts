export { X509Svid, type X509SvidOptions } from './x509-svid.js';
export { verifyX509Svid, type VerifyX509SvidOptions, type VerifiedX509Svid } from './x509-verify.js';
export {
  getX509CertInfo,
  describeCertificate,
  ExtensionOid,
  type X509CertInfo,
  type KeyUsage,
  type BasicConstraints,
} from './x509-cert-info.js';
export { HANDLED_CRITICAL_EXTENSIONS, MAX_PATH_LENGTH, MAX_SIGNATURE_CHECKS } from './x509-path.js';
export type { X509SvidSource, JwtSvidSource } from './source.js';
