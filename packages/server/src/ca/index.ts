/** The server CA: CA certificates, X509-SVID and JWT-SVID signing, CSR parsing, rotation. */
export { CaError, caErrorCodes, type CaErrorCode } from './errors.js';
export {
  createCaManager, CaManager,
  type AuthorityState, type AuthorityStates, type CaManagerOptions, type CaSettings,
  type JwtSvidRequest, type JwtSvidResult, type ServerSvid, type X509SvidRequest, type X509SvidResult,
} from './manager.js';
export { type CaBundle, type CaBundleStore } from './bundle-store.js';
export {
  caJournalKey, decodeJournal, encodeJournal,
  type AuthorityStatus, type CaJournal, type CaJournalStore, type JwtJournalEntry, type SlotName, type X509JournalEntry,
} from './journal.js';
export { parseCsr, type CsrKeyType, type ParsedCsr } from './csr.js';
export { X509SvidSigner, type SignedX509Svid, type X509SvidParams, type X509SvidSignerOptions } from './x509-svid-signer.js';
export { JwtSvidSigner, jwsAlgorithmFor, newJwtId, newKeyId, type JwsAlgorithm, type JwtSvidParams, type SignedJwtSvid } from './jwt-svid-signer.js';
export { createCaCertificate, BACKDATE_SECONDS, type CaCertificateRequest } from './ca-certificate.js';
export { parseCertificate, type CertificateInfo } from './certificate-info.js';
export { createDiskUpstreamAuthority, type DiskUpstreamOptions } from './upstream-disk.js';
export { type UpstreamAuthority, type UpstreamMintRequest, type UpstreamMintResult } from './upstream-authority.js';
export { activationThreshold, maxUncutSvidTtl, preparationThreshold } from './rotation.js';
export {
  createSigningPool,
  type PooledSigningResult, type SigningAuthority, type SigningPool, type SigningPoolOptions, type SigningPoolStats,
} from './signing-pool.js';
export {
  createBundlePruner, BundlePruner, BUNDLE_PRUNE_GRACE_SECONDS, BUNDLE_PRUNE_INTERVAL_SECONDS,
  type BundlePruneReport, type BundlePruneStore, type BundlePrunerOptions,
} from './bundle-pruner.js';
export { DEFAULT_CA_SUBJECT, DEFAULT_SVID_SUBJECT, type DistinguishedName } from './x509-name.js';
