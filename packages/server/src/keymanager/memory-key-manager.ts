import type { KeyObject } from 'node:crypto';
import { assertKeyId, assertKeyType, generatePrivateKey, managedKeyFrom } from './managed-key.js';
import type { KeyManager, KeyType, ManagedKey } from './types.js';

/** Injected key generation (tests pass pre-generated keys to stay fast). */
export interface KeyGenerationDeps {
  generatePrivateKey?: (type: KeyType) => Promise<KeyObject>;
}

/**
 * The "memory" KeyManager: keys live in this process only and are lost on restart.
 * @example
 * const km = createMemoryKeyManager();
 * const key = await km.generateKey('x509-CA-A', 'ec-p256');
 */
export function createMemoryKeyManager(deps: KeyGenerationDeps = {}): KeyManager {
  const generate = deps.generatePrivateKey ?? generatePrivateKey;
  const keys = new Map<string, ManagedKey>();
  return {
    async generateKey(id: string, type: KeyType): Promise<ManagedKey> {
      assertKeyId(id);
      assertKeyType(type);
      const key = managedKeyFrom(id, type, await generate(type));
      keys.set(id, key);
      return key;
    },
    getKey: (id) => keys.get(id),
    getKeys: () => [...keys.values()],
  };
}
