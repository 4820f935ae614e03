/**
 * Typed errors of the server CA. Each carries a literal `code` so callers can
 * `switch (err.code)`; the lead wires these codes into the shared registry in @tspire/common.
 */

/** Every code the CA can throw, with a one-line description (for docs/errors.md). */
export const caErrorCodes = {
  ERR_CA_MALFORMED_CSR: 'the certificate signing request is not valid DER PKCS#10',
  ERR_CA_BAD_CSR_SIGNATURE: 'the CSR self-signature does not verify with its own public key',
  ERR_CA_UNSUPPORTED_CSR_SIGNATURE_ALGORITHM: 'the CSR is signed with an algorithm other than ECDSA or RSA PKCS#1 v1.5 with SHA-2',
  ERR_CA_UNSUPPORTED_KEY_TYPE: 'the public key is not EC P-256/P-384 or RSA 2048-8192 bits',
  ERR_CA_INVALID_SVID_REQUEST: 'an SVID request has a bad SPIFFE ID, DNS name, audience or TTL',
  ERR_CA_MALFORMED_CERTIFICATE: 'a CA or upstream certificate cannot be parsed',
  ERR_CA_EXPIRED: 'the signing CA or JWT key has expired; nothing can be signed with it',
  ERR_CA_NOT_INITIALIZED: 'the CA manager has not finished loading or creating its authorities',
  ERR_CA_UPSTREAM: 'the upstream authority files are missing, unreadable or inconsistent',
  ERR_CA_BAD_JOURNAL: 'the stored CA journal cannot be parsed',
  ERR_CA_INVALID_CONFIG: 'a CA setting (trust domain, key type, TTL, subject) is invalid',
} as const;

export type CaErrorCode = keyof typeof caErrorCodes;

/**
 * The error thrown by the CA.
 * @example
 * try { parseCsr(der) } catch (err) {
 *   if (err instanceof CaError && err.code === 'ERR_CA_BAD_CSR_SIGNATURE') { ... }
 * }
 */
export class CaError<C extends CaErrorCode = CaErrorCode> extends Error {
  override readonly name = 'CaError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
