/**
 * An X509SVIDResponse parsed and checked as SPIRE's `api fetch x509` does before printing:
 * certificates, PKCS#8 keys and bundles parsed, each SVID verified against its bundle; and
 * the pretty block shared with `api watch`.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { workload } from '@tspire/proto';
import { der, SpiffeId, verifyX509Svid, X509Bundle } from '@tspire/spiffe';
import { formatGoDuration } from '@tspire/common';
import { formatGoTime } from '../../output/go-time.js';
import { describeError } from '../../output/rpc-error.js';

export interface ParsedX509Svid {
  readonly spiffeId: string;
  readonly hint: string;
  /** Leaf first. */
  readonly certificates: readonly X509Certificate[];
  readonly privateKey: KeyObject;
  readonly bundle: readonly X509Certificate[];
  /** Trust domain (as the response keys it) to its CA certificates, sorted by key. */
  readonly federatedBundles: ReadonlyMap<string, readonly X509Certificate[]>;
}

function parseCertificates(bytes: Uint8Array): X509Certificate[] {
  if (bytes.length === 0) return [];
  return der.splitConcatenatedDer(bytes).map((part) => new X509Certificate(part));
}

function reason(err: unknown): string {
  return describeError(err);
}

/** Parses every SVID of the response; throws with SPIRE's messages. */
export function parseX509SvidResponse(response: workload.X509SVIDResponse): ParsedX509Svid[] {
  if (response.svids.length === 0) throw new Error('workload response contains no svids');
  const federatedBundles = new Map<string, X509Certificate[]>();
  for (const trustDomain of Object.keys(response.federatedBundles).sort()) {
    let certs: X509Certificate[];
    try {
      certs = parseCertificates(response.federatedBundles[trustDomain] ?? new Uint8Array());
    } catch (err) {
      throw new Error(`failed to parse bundle for federated domain ${JSON.stringify(trustDomain)}: ${reason(err)}`);
    }
    if (certs.length === 0) throw new Error(`no certificates in bundle for federated domain ${JSON.stringify(trustDomain)}`);
    federatedBundles.set(trustDomain, certs);
  }
  return response.svids.map((svid, i) => {
    try {
      return parseSvid(svid, federatedBundles);
    } catch (err) {
      throw new Error(`failed to parse svid entry ${i} for spiffe id ${JSON.stringify(svid.spiffeId)}: ${reason(err)}`);
    }
  });
}

function parseSvid(svid: workload.X509SVID, federatedBundles: ReadonlyMap<string, X509Certificate[]>): ParsedX509Svid {
  const certificates = parseCertificates(svid.x509Svid);
  if (certificates.length === 0) throw new Error('no certificates found');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(svid.x509SvidKey), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new Error(`failed to parse private key: ${reason(err)}`);
  }
  let bundle: X509Certificate[];
  try {
    bundle = parseCertificates(svid.bundle);
  } catch (err) {
    throw new Error(`failed to parse trust bundle: ${reason(err)}`);
  }
  if (bundle.length === 0) throw new Error('no certificates in trust bundle');
  return { spiffeId: svid.spiffeId, hint: svid.hint, certificates, privateKey, bundle, federatedBundles };
}

/** Verifies each SVID's chain against its own bundle at `now`; throws SPIRE's message. */
export function verifyX509Svids(svids: readonly ParsedX509Svid[], now: Date): void {
  for (const svid of svids) {
    const id = SpiffeId.parse(svid.spiffeId);
    try {
      verifyX509Svid(svid.certificates, new X509Bundle(id.trustDomain, svid.bundle), { now });
    } catch (err) {
      throw new Error(`${JSON.stringify(svid.spiffeId)} SVID failed verification against bundle: ${reason(err)}`);
    }
  }
}

const goTime = (cert: X509Certificate, which: 'validFrom' | 'validTo'): string =>
  formatGoTime(Math.floor(new Date(cert[which]).getTime() / 1000), 'UTC');

function caLines(certs: readonly X509Certificate[], trustDomain: string): string {
  const prefix = trustDomain === '' ? '' : `[${trustDomain}] `;
  return certs
    .map((ca, i) => `${prefix}CA #${i + 1} Valid After:\t${goTime(ca, 'validFrom')}\n${prefix}CA #${i + 1} Valid Until:\t${goTime(ca, 'validTo')}\n`)
    .join('');
}

/** One SVID's lines: ID, hint, validity of the leaf, intermediates and CAs, then federated CAs. */
function svidBlock(svid: ParsedX509Svid, showHint: boolean): string {
  const [leaf, ...intermediates] = svid.certificates;
  let text = `SPIFFE ID:\t\t${svid.spiffeId}\n`;
  if (showHint && svid.hint !== '') text += `Hint:\t\t\t${svid.hint}\n`;
  if (leaf !== undefined) {
    text += `SVID Valid After:\t${goTime(leaf, 'validFrom')}\nSVID Valid Until:\t${goTime(leaf, 'validTo')}\n`;
  }
  intermediates.forEach((cert, i) => {
    text += `Intermediate #${i + 1} Valid After:\t${goTime(cert, 'validFrom')}\nIntermediate #${i + 1} Valid Until:\t${goTime(cert, 'validTo')}\n`;
  });
  text += caLines(svid.bundle, '');
  for (const [trustDomain, certs] of svid.federatedBundles) text += caLines(certs, trustDomain);
  return text;
}

/**
 * `Received N svid(s) after <Go duration>`, a block per SVID after an empty line, a final empty line.
 * @example formatX509SvidResponse(svids, 1.5) // 'Received 1 svid after 1.5ms\n\nSPIFFE ID:\t\t...'
 */
export function formatX509SvidResponse(svids: readonly ParsedX509Svid[], elapsedMs: number, options: { showHint?: boolean } = {}): string {
  let text = `Received ${svids.length} svid${svids.length === 1 ? '' : 's'} after ${formatGoDuration(elapsedMs)}\n`;
  for (const svid of svids) text += `\n${svidBlock(svid, options.showHint ?? true)}`;
  return `${text}\n`;
}
