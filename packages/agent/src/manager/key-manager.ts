/**
 * The agent's KeyManager: where the agent SVID's private key lives. `disk` keeps keys in
 * `<directory>/keys.json` (mode 0600, written to a temp file then renamed so a crash never leaves
 * half a file); `memory` forgets them on restart (the agent then attests again).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@tspire/common';
import { ManagerError } from './errors.js';

/** The two slots the agent SVID key alternates between on rotation (as SPIRE). */
export const AGENT_KEY_IDS = ['agent-svid-A', 'agent-svid-B'] as const;
export type AgentKeyId = (typeof AGENT_KEY_IDS)[number];

export interface AgentKeyManager {
  load(id: AgentKeyId): Promise<KeyObject | undefined>;
  store(id: AgentKeyId, key: KeyObject): Promise<void>;
}

/** The filesystem calls the disk KeyManager uses (injected in tests). */
export interface KeyFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** Replaces the file atomically and durably (default: @tspire/common's writeFileAtomic). */
  writeFileAtomic(path: string, data: string, mode: number): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
}

/** The slot the next key goes to. */
export function otherKeyId(id: AgentKeyId): AgentKeyId {
  return id === 'agent-svid-A' ? 'agent-svid-B' : 'agent-svid-A';
}

/** @example const keys = memoryKeyManager(); await keys.store('agent-svid-A', key); */
export function memoryKeyManager(): AgentKeyManager {
  const keys = new Map<AgentKeyId, KeyObject>();
  return {
    load: async (id) => keys.get(id),
    store: async (id, key) => {
      keys.set(id, key);
    },
  };
}

/** @example const keys = diskKeyManager('/opt/spire/data/agent'); */
const nodeKeyFs: KeyFs = {
  readFile: (path, encoding) => fsPromises.readFile(path, encoding),
  writeFileAtomic: (path, data, mode) => writeFileAtomic(path, data, { mode }),
  mkdir: (path, options) => fsPromises.mkdir(path, options),
};

export function diskKeyManager(directory: string, fs: KeyFs = nodeKeyFs): AgentKeyManager {
  const path = join(directory, 'keys.json');
  let writes: Promise<void> = Promise.resolve();
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ManagerError('ERR_AGENT_STATE', `cannot read the agent key file ${path}: ${(err as Error).message}`, { cause: err });
    }
    const parsed: unknown = safeJson(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new ManagerError('ERR_AGENT_STATE', `the agent key file ${path} is not a JSON object of base64 PKCS#8 keys`);
    }
    return parsed as Record<string, string>;
  };
  return {
    async load(id) {
      const encoded = (await read())[id];
      if (encoded === undefined) return undefined;
      try {
        return createPrivateKey({ key: Buffer.from(encoded, 'base64'), format: 'der', type: 'pkcs8' });
      } catch (err) {
        throw new ManagerError('ERR_AGENT_STATE', `key "${id}" in ${path} is not a PKCS#8 private key`, { cause: err });
      }
    },
    store(id, key) {
      // Serialized, so two stores never race on the temp file.
      writes = writes.catch(() => undefined).then(async () => {
        const keys = await read();
        keys[id] = key.export({ format: 'der', type: 'pkcs8' }).toString('base64');
        await fs.mkdir(directory, { recursive: true, mode: 0o700 });
        await fs.writeFileAtomic(path, JSON.stringify(keys), 0o600);
      });
      return writes;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
