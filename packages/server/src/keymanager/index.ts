/** Server key managers ("memory" and "disk") holding CA, JWT and server SVID keys. */
export { KeyManagerError, keyManagerErrorCodes, type KeyManagerErrorCode } from './errors.js';
export { KEY_IDS, KEY_TYPES, type DsaEncoding, type KeyManager, type KeyType, type ManagedKey } from './types.js';
export { keyTypeOf, managedKeyFrom, generatePrivateKey } from './managed-key.js';
export { createMemoryKeyManager, type KeyGenerationDeps } from './memory-key-manager.js';
export { createDiskKeyManager, type DiskKeyManagerOptions } from './disk-key-manager.js';
export { writeFileAtomic, type AtomicWriteFs, type AtomicWriteOptions } from './atomic-write.js';
