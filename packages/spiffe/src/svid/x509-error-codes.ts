/** Error codes for X509-SVID parsing and verification. */
export const x509SvidErrorCodes = {
} as const;
