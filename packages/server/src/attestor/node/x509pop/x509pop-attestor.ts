/**
 * The server's `x509pop` node attestor (SPIRE's plugin of the same name). The agent sends its
 * certificate chain (`{"certificates":[b64 DER, ...]}`, leaf first); we check it against the CA
 * bundle (external_pki: the PEM files, read once at construction; spiffe: the server's own
 * trust bundle), derive the agent ID and selectors, and only then send a signature challenge
 * proving the agent holds the leaf's private key. Every check runs before anything is stored
 * (the Agent service writes only after attest() resolves).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@tspire/common';
import { SpiffeError, SpiffeId, TrustDomain, decodePem } from '@tspire/spiffe';
import type { X509PopNodeAttestorConfig } from '../../../config/types.js';
import { AttestorError } from '../../errors.js';
import type { NodeAttestationRequest, NodeAttestationResult, NodeAttestor } from '../node-attestor.js';
import {
  AGENT_PATH_FIELDS, DEFAULT_AGENT_PATH_TEMPLATE, DEFAULT_SPIFFE_AGENT_PATH_TEMPLATE, parseAgentPathTemplate,
  type AgentPathData, type AgentPathTemplate,
} from './agent-path-template.js';
import { parsePopCertificate, verifyChains, type PopCertificate } from './certificate-chain.js';
import { createChallenge, verifyChallengeResponse } from './challenge.js';
import { sanSelectorPairs, serialNumberHex, x509PopSelectorValues } from './selectors.js';

export const X509POP_PLUGIN_NAME = 'x509pop';

export interface X509PopAttestorDeps {
  clock?: { nowMs(): number };
  /** Reads a CA bundle file (external_pki); default fs.readFileSync. */
  readFile?: (path: string) => Uint8Array;
  /** spiffe mode: the server's current X.509 authorities (DER), asked on every attestation. */
  trustBundle?: () => Promise<readonly Uint8Array[]> | readonly Uint8Array[];
  randomBytes?: (size: number) => Uint8Array;
  logger?: { warn(msg: string, fields?: Readonly<Record<string, unknown>>): void };
  /** Config key prefix named in errors (default `plugins.NodeAttestor.x509pop.plugin_data`). */
  configPath?: string;
}

/**
 * @throws ConfigError when a CA bundle cannot be read or the agent_path_template is not in the
 *   supported subset (naming the key and the template).
 * @example
 * const x509pop = createX509PopAttestor(config, { trustBundle: async () => caManager.x509Authorities() });
 * agentApi.nodeAttestors.set(x509pop.name, x509pop);
 */
export function createX509PopAttestor(config: X509PopNodeAttestorConfig, deps: X509PopAttestorDeps = {}): NodeAttestor {
  const configPath = deps.configPath ?? 'plugins.NodeAttestor.x509pop.plugin_data';
  const spiffeMode = config.mode === 'spiffe';
  const template = parseAgentPathTemplate(
    config.agentPathTemplate ?? (spiffeMode ? DEFAULT_SPIFFE_AGENT_PATH_TEMPLATE : DEFAULT_AGENT_PATH_TEMPLATE),
    { configPath: `${configPath}.agent_path_template`, allowedFields: spiffeMode ? AGENT_PATH_FIELDS : AGENT_PATH_FIELDS.filter((f) => f !== 'SVIDPathTrimmed') },
  );
  const fixedRoots = spiffeMode ? [] : loadCaBundles(config.caBundlePaths, deps.readFile ?? readFileSync, `${configPath}.ca_bundle_paths`);
  if (spiffeMode && deps.trustBundle === undefined) throw new ConfigError(configPath, 'x509pop in spiffe mode needs the server trust bundle (not wired)');
  const svidPrefix = config.svidPrefix.endsWith('/') ? config.svidPrefix : `${config.svidPrefix}/`;
  const nowSeconds = (): number => Math.floor((deps.clock?.nowMs() ?? Date.now()) / 1000);

  const roots = async (): Promise<PopCertificate[]> => {
    if (!spiffeMode) return fixedRoots;
    const authorities = await deps.trustBundle!();
    return authorities.flatMap((der, i) => {
      try {
        return [parsePopCertificate(der, `trust bundle authority ${i}`)];
      } catch {
        deps.logger?.warn('x509pop: skipping an unreadable trust bundle authority', { index: i });
        return [];
      }
    });
  };

  return {
    name: X509POP_PLUGIN_NAME,
    async attest(request: NodeAttestationRequest): Promise<NodeAttestationResult> {
      const certificates = parsePayload(request.payload, config.maxIntermediates);
      const leaf = parsePopCertificate(certificates[0]!, 'leaf certificate');
      const intermediates = certificates.slice(1).map((der, i) => parsePopCertificate(der, `intermediate certificate ${i}`));
      for (const cert of [leaf, ...intermediates]) checkRsaKeySize(cert, config.maxRsaKeySize);
      const chains = verifyChains(leaf, intermediates, await roots(), nowSeconds());
      if (((leaf.info.keyUsage ?? 0) & 1) === 0) reject('certificate not intended for digital signature use (keyUsage lacks digitalSignature)');
      if (config.verifyClientIp) checkClientIp(leaf, request.remoteAddress);
      const svidPathTrimmed = spiffeMode ? trimmedSvidPath(leaf, request.trustDomain, svidPrefix) : '';
      const sans = sanSelectorPairs(leaf.info.uris, request.trustDomain, (uri) => {
        deps.logger?.warn('x509pop: cannot extract san selectors from URI SAN', { uri });
      });
      const agentId = renderAgentId(template, request.trustDomain, {
        PluginName: X509POP_PLUGIN_NAME,
        Fingerprint: leaf.fingerprint,
        TrustDomain: request.trustDomain,
        'Subject.CommonName': leaf.commonName,
        'Subject.SerialNumber': leaf.subjectSerialNumber,
        SerialNumberHex: serialNumberHex(leaf.info.serial),
        SVIDPathTrimmed: svidPathTrimmed,
      });
      // Possession last: everything the certificate alone decides has been checked.
      const challenge = createChallenge(leaf.x509.publicKey, deps.randomBytes);
      const response = await request.challenge(challenge.json);
      verifyChallengeResponse(leaf.x509.publicKey, challenge, response);
      return { agentId, selectorValues: x509PopSelectorValues(leaf, chains, sans), canReattest: true };
    },
  };
}

function reject(reason: string): never {
  throw new AttestorError('ERR_X509POP_CERTIFICATE_REJECTED', reason);
}

function invalid(reason: string): never {
  throw new AttestorError('ERR_X509POP_INVALID_PAYLOAD', reason);
}

/** `{"certificates":[b64 DER, ...]}`, leaf first; the count is checked before any parsing. */
function parsePayload(payload: Uint8Array, maxIntermediates: number): Buffer[] {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (err) {
    invalid(`failed to unmarshal data: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) invalid('failed to unmarshal data: not a JSON object');
  const list = (data as { certificates?: unknown }).certificates ?? [];
  if (!Array.isArray(list)) invalid('failed to unmarshal data: certificates is not a list');
  if (list.length === 0) invalid('no certificate to attest');
  if (list.length - 1 > maxIntermediates) invalid(`too many intermediate certificates: ${list.length - 1} exceeds max_intermediates ${maxIntermediates}`);
  return list.map((item, i) => {
    if (typeof item !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(item) || item.length % 4 !== 0) {
      invalid(`failed to unmarshal data: certificates[${i}] is not base64`);
    }
    return Buffer.from(item, 'base64');
  });
}

function checkRsaKeySize(cert: PopCertificate, maxBits: number): void {
  const key = cert.x509.publicKey;
  const bits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength ?? 0 : 0;
  if (bits > maxBits) invalid(`RSA key of ${cert.subject} is ${bits} bits, more than max_rsa_key_size ${maxBits}`);
}

/** verify_client_ip: the connection's address must be an IP SAN of the leaf. */
function checkClientIp(leaf: PopCertificate, remoteAddress: string): void {
  const ip = remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (ip === '' || leaf.x509.checkIP(ip) === undefined) {
    reject(`client IP ${JSON.stringify(ip)} is not an IP SAN of the agent certificate (verify_client_ip)`);
  }
}

/** spiffe mode: the path of the leaf's first spiffe:// URI, minus svid_prefix. */
function trimmedSvidPath(leaf: PopCertificate, trustDomain: string, prefix: string): string {
  const uri = leaf.info.uris.find((u) => /^spiffe:\/\//i.test(u));
  if (uri === undefined) reject('valid SVID x509 cert not found (no spiffe:// URI SAN)');
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(uri);
  } catch (err) {
    reject(`the certificate's SPIFFE ID is invalid: ${(err as Error).message}`);
  }
  if (id.trustDomain.name !== trustDomain) reject(`the certificate's SPIFFE ID ${JSON.stringify(uri)} is not in trust domain ${JSON.stringify(trustDomain)}`);
  if (!id.path.startsWith(prefix)) reject(`x509 cert doesnt match SVID prefix: ${JSON.stringify(id.path)} does not start with ${JSON.stringify(prefix)}`);
  return id.path.slice(prefix.length);
}

function renderAgentId(template: AgentPathTemplate, trustDomain: string, data: AgentPathData): string {
  const rendered = template.render(data);
  // SPIRE 1.15 wants a leading slash; older releases (and their docs) joined without one.
  const path = rendered.startsWith('/') ? rendered : `/${rendered}`;
  try {
    return SpiffeId.fromPath(TrustDomain.parse(trustDomain), `/spire/agent${path}`).toString();
  } catch (err) {
    if (!(err instanceof SpiffeError)) throw err;
    throw new AttestorError('ERR_X509POP_AGENT_ID', `failed to make agent ID from agent_path_template ${JSON.stringify(template.source)}: ${err.message}`);
  }
}

/** Root certificates from PEM files; any problem is a ConfigError naming the file. */
function loadCaBundles(paths: readonly string[], readFile: (path: string) => Uint8Array, configKey: string): PopCertificate[] {
  if (paths.length === 0) throw new ConfigError(configKey, 'one of ca_bundle_path or ca_bundle_paths must be configured in external_pki mode');
  return paths.flatMap((path) => {
    try {
      const blocks = decodePem(readFile(path), { code: 'ERR_X509_BAD_PEM', what: path }).filter((b) => b.type === 'CERTIFICATE');
      if (blocks.length === 0) throw new Error('no CERTIFICATE PEM block found');
      return blocks.map((block, i) => parsePopCertificate(block.bytes, `certificate ${i + 1}`));
    } catch (err) {
      throw new ConfigError(configKey, `unable to load trust bundle ${JSON.stringify(path)}: ${(err as Error).message}`, undefined, { cause: err });
    }
  });
}
