import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { KeyManagerError } from './errors.js';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.js';
import { assertKeyId, assertKeyType, exportPkcs8, generatePrivateKey, managedKeyFrom, managedKeyFromPkcs8 } from './managed-key.js';
import type { KeyGenerationDeps } from './memory-key-manager.js';
import type { KeyManager, KeyType, ManagedKey } from './types.js';

/**
 * Keys file format (our own; SPIRE's Go file is not read):
 * `{ "keys": { "<id>": { "type": "ec-p256", "pkcs8": "<base64 PKCS#8 DER>" } } }`, mode 0600.
 */
interface KeysFile {
  keys: Record<string, { type: KeyType; pkcs8: string }>;
}

export interface DiskKeyManagerOptions extends KeyGenerationDeps {
  /** `keys_path` from the KeyManager "disk" plugin_data. */
  keysPath: string;
  fs?: AtomicWriteFs & Pick<typeof fsp, 'readFile' | 'mkdir'>;
}

/**
 * The "disk" KeyManager: keys persist in one JSON file written atomically with mode 0600 and
 * are loaded at start. A key is only handed out after it is durably on disk. A corrupt file
 * fails the start with an error naming the path and is never overwritten.
 * @example
 * const km = await createDiskKeyManager({ keysPath: '/var/lib/spire/keys.json' });
 */
export async function createDiskKeyManager(options: DiskKeyManagerOptions): Promise<KeyManager> {
  const fs = options.fs ?? fsp;
  const generate = options.generatePrivateKey ?? generatePrivateKey;
  const { keysPath } = options;
  const keys = await loadKeys(fs, keysPath);
  let writing: Promise<unknown> = Promise.resolve();

  async function persist(next: Map<string, ManagedKey>): Promise<void> {
    const file: KeysFile = { keys: {} };
    for (const [id, key] of next) file.keys[id] = { type: key.type, pkcs8: exportPkcs8(key).toString('base64') };
    try {
      await fs.mkdir(dirname(keysPath), { recursive: true, mode: 0o700 });
      await writeFileAtomic(keysPath, Buffer.from(JSON.stringify(file, null, 2) + '\n'), { mode: 0o600, fs });
    } catch (err) {
      throw new KeyManagerError('ERR_KEYMANAGER_PERSIST_FAILED', `cannot write keys file ${keysPath}: ${(err as Error).message}`, { cause: err });
    }
  }

  return {
    async generateKey(id: string, type: KeyType): Promise<ManagedKey> {
      assertKeyId(id);
      assertKeyType(type);
      const key = managedKeyFrom(id, type, await generate(type));
      // Writes are serialized so two concurrent generations cannot lose each other's key.
      const done = writing.then(async () => {
        const next = new Map(keys).set(id, key);
        await persist(next);
        keys.set(id, key);
      });
      writing = done.catch(() => undefined);
      await done;
      return key;
    },
    getKey: (id) => keys.get(id),
    getKeys: () => [...keys.values()],
  };
}

async function loadKeys(fs: Pick<typeof fsp, 'readFile'>, keysPath: string): Promise<Map<string, ManagedKey>> {
  let text: string;
  try {
    text = await fs.readFile(keysPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const corrupt = (why: string, cause?: unknown): KeyManagerError =>
    new KeyManagerError('ERR_KEYMANAGER_CORRUPT_KEYS_FILE', `keys file ${keysPath} is corrupt (${why}); fix or remove it, it will not be overwritten`, { cause });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt('not valid JSON', err);
  }
  const entries = (parsed as Partial<KeysFile> | null)?.keys;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw corrupt('missing "keys" object');
  const keys = new Map<string, ManagedKey>();
  for (const [id, entry] of Object.entries(entries)) {
    try {
      assertKeyId(id);
      assertKeyType(String(entry?.type));
      if (typeof entry.pkcs8 !== 'string') throw new Error('"pkcs8" is not a string');
      keys.set(id, managedKeyFromPkcs8(id, entry.type, Buffer.from(entry.pkcs8, 'base64')));
    } catch (err) {
      throw corrupt(`key ${JSON.stringify(id.slice(0, 64))}: ${(err as Error).message}`, err);
    }
  }
  return keys;
}
