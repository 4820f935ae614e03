/**
 * Typed errors of the server key manager. Each carries a literal `code` so callers can
 * `switch (err.code)`; the lead wires these codes into the shared registry in @tspire/common.
 */

/** Every code the key manager can throw, with a one-line description (for docs/errors.md). */
export const keyManagerErrorCodes = {
  ERR_KEYMANAGER_BAD_KEY_ID: 'a key id is empty, too long or has characters outside [A-Za-z0-9._-]',
  ERR_KEYMANAGER_UNSUPPORTED_KEY_TYPE: 'the key type is not one of ec-p256, ec-p384, rsa-2048, rsa-4096',
  ERR_KEYMANAGER_CORRUPT_KEYS_FILE: 'the disk key manager keys file cannot be parsed; it is left untouched',
  ERR_KEYMANAGER_PERSIST_FAILED: 'writing the disk key manager keys file failed; the new key was discarded',
} as const;

export type KeyManagerErrorCode = keyof typeof keyManagerErrorCodes;

/**
 * The error thrown by the key manager.
 * @example
 * try { await createDiskKeyManager({ keysPath }) } catch (err) {
 *   if (err instanceof KeyManagerError && err.code === 'ERR_KEYMANAGER_CORRUPT_KEYS_FILE') { ... }
 * }
 */
export class KeyManagerError<C extends KeyManagerErrorCode = KeyManagerErrorCode> extends Error {
  override readonly name = 'KeyManagerError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
