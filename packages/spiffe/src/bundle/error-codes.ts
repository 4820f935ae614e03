/** Error codes for X.509, JWT and SPIFFE bundles and bundle sets. */
export const bundleErrorCodes = {
  ERR_BUNDLE_NOT_FOUND: 'no bundle is known for the trust domain',
  ERR_BUNDLE_EMPTY_KEY_ID: 'a JWT authority has an empty key ID',
} as const;
