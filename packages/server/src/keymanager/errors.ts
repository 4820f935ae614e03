/**
 * Typed errors of the server key manager: TspireErrors whose codes @tspire/server registers
 * (with their gRPC status) in @tspire/common's registry.
 */
import { Code } from '@connectrpc/connect';
import { TspireError, registerErrorCodes } from '@tspire/common';

/** Every code the key manager can throw: gRPC status and meaning (listed in docs/errors.md). */
export const keyManagerErrorCodes = registerErrorCodes('@tspire/server', {
  ERR_KEYMANAGER_BAD_KEY_ID: { grpc: Code.InvalidArgument, description: 'a key id is empty, too long or has characters outside [A-Za-z0-9._-]' },
  ERR_KEYMANAGER_UNSUPPORTED_KEY_TYPE: { grpc: Code.InvalidArgument, description: 'the key type is not one of ec-p256, ec-p384, rsa-2048, rsa-4096' },
  ERR_KEYMANAGER_CORRUPT_KEYS_FILE: { grpc: Code.FailedPrecondition, description: 'the disk key manager keys file cannot be parsed; it is left untouched' },
  ERR_KEYMANAGER_PERSIST_FAILED: { grpc: Code.Internal, description: 'writing the disk key manager keys file failed; the new key was discarded' },
} as const);

export type KeyManagerErrorCode = keyof typeof keyManagerErrorCodes;

declare module '@tspire/common' {
  interface TspireErrorCodes extends Record<KeyManagerErrorCode, true> {}
}

/**
 * The error thrown by the key manager.
 * @example
 * try { await createDiskKeyManager({ keysPath }) } catch (err) {
 *   if (err instanceof KeyManagerError && err.code === 'ERR_KEYMANAGER_CORRUPT_KEYS_FILE') { ... }
 * }
 */
export class KeyManagerError<C extends KeyManagerErrorCode = KeyManagerErrorCode> extends TspireError<C> {
  override readonly name = 'KeyManagerError';
}
