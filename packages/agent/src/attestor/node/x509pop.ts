/**
 * The `x509pop` node attestor, agent side. Config (plugin_data), as SPIRE:
 * - `private_key_path`: PEM private key (PKCS#8, PKCS#1 or SEC1), RSA or EC.
 * - `certificate_path`: PEM certificates, the key's certificate first, then any intermediates.
 * - `intermediates_path` (optional): more PEM intermediates, appended after those.
 * The payload is JSON `{"certificates":[<base64 DER>, ...]}`, leaf first; the server then sends
 * a challenge that x509pop-challenge.ts answers. Files are read again for every attestation so
 * certificates renewed on disk are used without a restart.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import type { Decoded, Schema } from '@tspire/common';
import { decodePem } from '@tspire/spiffe';
import { AgentError } from '../../errors.js';
import type { AgentNodeAttestor, NodeAttestation } from './node-attestor.js';
import { computeX509PopResponse, x509PopKeyKind } from './x509pop-challenge.js';

export const X509POP_TYPE = 'x509pop';

/** The plugin_data keys, for the config decoder. */
export const x509PopAgentConfigSchema = {
  private_key_path: 'string',
  certificate_path: 'string',
  intermediates_path: 'string',
} as const satisfies Schema;

export type X509PopAgentConfig = Decoded<typeof x509PopAgentConfigSchema>;

export interface X509PopDeps {
  /** default fs.promises.readFile */
  readFile?: (path: string) => Promise<Uint8Array>;
  /** the response nonce source; default crypto.randomBytes */
  randomBytes?: (size: number) => Uint8Array;
}

/** What the files hold, checked: the key matches the first certificate. */
export interface X509PopMaterial {
  privateKey: KeyObject;
  /** DER, leaf first, then intermediates. */
  certificatesDer: Uint8Array[];
}

/**
 * Checks the config, loads the files once (so a bad setup fails at startup) and returns the
 * attestor; each `begin()` reads the files again.
 * @example
 * const attestor = await loadX509PopAttestor({ private_key_path: '/opt/agent.key', certificate_path: '/opt/agent.crt' });
 * const { payload, answerChallenge } = await attestor.begin();
 * @throws AgentError ERR_AGENT_X509POP_CONFIG naming the key or file that is wrong.
 */
export async function loadX509PopAttestor(config: X509PopAgentConfig, deps: X509PopDeps = {}): Promise<AgentNodeAttestor> {
  const paths = requirePaths(config);
  const readFile = deps.readFile ?? fsReadFile;
  const randomBytes = deps.randomBytes;
  await loadX509PopMaterial(paths, readFile);
  return {
    type: X509POP_TYPE,
    async begin(): Promise<NodeAttestation> {
      const material = await loadX509PopMaterial(paths, readFile);
      return {
        payload: x509PopPayload(material.certificatesDer),
        answerChallenge: async (challenge) => computeX509PopResponse(material.privateKey, challenge, randomBytes),
      };
    },
  };
}

/**
 * The AttestationData payload: `{"certificates":[<base64 DER>, ...]}`.
 * @example x509PopPayload([leafDer, intermediateDer])
 */
export function x509PopPayload(certificatesDer: readonly Uint8Array[]): Uint8Array {
  if (certificatesDer.length === 0) throw new AgentError('ERR_AGENT_X509POP_CONFIG', 'x509pop needs at least one certificate');
  const certificates = certificatesDer.map((certDer) => Buffer.from(certDer).toString('base64'));
  return new Uint8Array(Buffer.from(JSON.stringify({ certificates }), 'utf8'));
}

interface X509PopPaths {
  privateKeyPath: string;
  certificatePath: string;
  intermediatesPath: string | undefined;
}

function requirePaths(config: X509PopAgentConfig): X509PopPaths {
  const required = (key: 'private_key_path' | 'certificate_path'): string => {
    const value = config[key];
    if (value === undefined || value === '') throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: ${key} is required`);
    return value;
  };
  const intermediatesPath = config.intermediates_path === '' ? undefined : config.intermediates_path;
  return { privateKeyPath: required('private_key_path'), certificatePath: required('certificate_path'), intermediatesPath };
}

/** Reads and checks the key and certificates. */
export async function loadX509PopMaterial(paths: X509PopPaths, readFile: (path: string) => Promise<Uint8Array>): Promise<X509PopMaterial> {
  const privateKey = parsePrivateKey(await read(readFile, paths.privateKeyPath, 'private_key_path'), paths.privateKeyPath);
  x509PopKeyKind(privateKey);
  const certificatesDer = parseCertificates(await read(readFile, paths.certificatePath, 'certificate_path'), paths.certificatePath, true);
  if (paths.intermediatesPath !== undefined) {
    certificatesDer.push(...parseCertificates(await read(readFile, paths.intermediatesPath, 'intermediates_path'), paths.intermediatesPath, false));
  }
  const leafKey = new X509Certificate(certificatesDer[0]!).publicKey.export({ format: 'der', type: 'spki' });
  if (!leafKey.equals(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }))) {
    throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: the private key in ${paths.privateKeyPath} does not match the certificate in ${paths.certificatePath}`);
  }
  return { privateKey, certificatesDer };
}

async function read(readFile: (path: string) => Promise<Uint8Array>, path: string, key: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: cannot read ${key} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function parsePrivateKey(pem: Uint8Array, path: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(pem), format: 'pem' });
  } catch (err) {
    // The message names the path only: key material never goes into an error.
    throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: ${path} does not hold a usable unencrypted PEM private key`, { cause: err });
  }
}

function parseCertificates(pem: Uint8Array, path: string, required: boolean): Uint8Array[] {
  let blocks;
  try {
    blocks = decodePem(pem, { code: 'ERR_X509_BAD_PEM', what: path }).filter((block) => block.type === 'CERTIFICATE');
  } catch (err) {
    throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: ${(err as Error).message}`, { cause: err });
  }
  if (blocks.length === 0 && required) throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: no CERTIFICATE PEM block in ${path}`);
  return blocks.map((block, i) => {
    try {
      return new Uint8Array(new X509Certificate(block.bytes).raw);
    } catch (err) {
      throw new AgentError('ERR_AGENT_X509POP_CONFIG', `x509pop: certificate ${i + 1} in ${path} cannot be parsed`, { cause: err });
    }
  });
}
