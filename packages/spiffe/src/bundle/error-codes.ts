/** Error codes for X.509, JWT and SPIFFE bundles and bundle sets. */
export const bundleErrorCodes = {
  ERR_BUNDLE_NOT_FOUND: 'no bundle is known for the trust domain',
  ERR_BUNDLE_EMPTY_KEY_ID: 'a JWT authority has a missing or empty key ID ("kid")',
  ERR_BUNDLE_DUPLICATE_KEY_ID: 'two different JWT authorities share one key ID',
  ERR_BUNDLE_NOT_PUBLIC_KEY: 'a JWT authority is not a public key',
  ERR_BUNDLE_BAD_PEM: 'PEM input has no PEM blocks, or a CERTIFICATE block is malformed',
  ERR_BUNDLE_BAD_DER: 'DER input is not a sequence of complete DER elements',
  ERR_BUNDLE_BAD_CERT: 'a certificate could not be parsed',
  ERR_BUNDLE_BAD_JSON: 'bundle input is not UTF-8 JSON holding an object',
  ERR_BUNDLE_BAD_KEYS: 'the "keys" member is missing, null or not an array',
  ERR_BUNDLE_BAD_JWK: 'a JWK is malformed (not an object, missing kty, bad key parameters, private key material, bad x5c)',
  ERR_BUNDLE_UNSUPPORTED_KEY: 'a key type or curve is not supported (symmetric, X25519, secp256k1, DSA, ...)',
  ERR_BUNDLE_KEY_MISMATCH: 'an x509-svid JWK\'s key parameters do not match its x5c certificate',
  ERR_BUNDLE_BAD_SEQUENCE: 'spiffe_sequence is not an unsigned 64-bit JSON integer',
  ERR_BUNDLE_BAD_REFRESH_HINT: 'spiffe_refresh_hint is not a non-negative JSON integer of seconds',
} as const;
