/**
 * The agent's persistent state, `<data_dir>/agent-data.json` as SPIRE names it: the agent SVID
 * chain and the trust bundle (DER, base64 in JSON) and whether the agent may re-attest. The
 * private key is not here: it lives in the KeyManager. Written atomically and durably (temp file,
 * fsync, rename, directory fsync), so a crash never leaves the agent without its identity.
 */
import * as fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@tspire/common';
import { ManagerError } from './errors.js';

export interface AgentState {
  /** Agent SVID chain, leaf first, DER. */
  svid: Uint8Array[];
  /** The trust domain's X.509 authorities, DER. */
  bundle: Uint8Array[];
  reattestable: boolean;
}

export interface StateFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** Replaces the file atomically and durably (default: @tspire/common's writeFileAtomic). */
  writeFileAtomic(path: string, data: string, mode: number): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
}

const nodeStateFs: StateFs = {
  readFile: (path, encoding) => fsPromises.readFile(path, encoding),
  writeFileAtomic: (path, data, mode) => writeFileAtomic(path, data, { mode }),
  mkdir: (path, options) => fsPromises.mkdir(path, options),
};

export interface AgentStateStore {
  /** Undefined when the agent never attested (no file). */
  load(): Promise<AgentState | undefined>;
  save(state: AgentState): Promise<void>;
}

export const AGENT_STATE_FILE = 'agent-data.json';

/** @example const store = agentStateStore(config.dataDir); const state = await store.load(); */
export function agentStateStore(dataDir: string, fs: StateFs = nodeStateFs): AgentStateStore {
  const path = join(dataDir, AGENT_STATE_FILE);
  return {
    async load() {
      let text: string;
      try {
        text = await fs.readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new ManagerError('ERR_AGENT_STATE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
      return parseState(text, path);
    },
    async save(state) {
      const body = JSON.stringify({
        svid: state.svid.map(base64),
        bundle: state.bundle.map(base64),
        reattestable: state.reattestable,
      });
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
      await fs.writeFileAtomic(path, body, 0o600);
    },
  };
}

function parseState(text: string, path: string): AgentState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManagerError('ERR_AGENT_STATE', `${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const svid = derList(record['svid'], 'svid', path);
  const bundle = derList(record['bundle'], 'bundle', path);
  const reattestable = record['reattestable'] ?? false;
  if (typeof reattestable !== 'boolean') throw new ManagerError('ERR_AGENT_STATE', `${path}: "reattestable" must be a boolean`);
  return { svid, bundle, reattestable };
}

function derList(value: unknown, key: string, path: string): Uint8Array[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new ManagerError('ERR_AGENT_STATE', `${path}: "${key}" must be a non-empty list of base64 DER certificates`);
  }
  return value.map((item: string) => new Uint8Array(Buffer.from(item, 'base64')));
}

function base64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64');
}
