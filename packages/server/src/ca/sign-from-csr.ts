/**
 * One item of a signing batch, the same on a worker thread and inline: parse and verify the
 * CSR, check its URI SAN when asked, sign its public key. Never throws; a bad item becomes a
 * failure outcome so it cannot fail the rest of its batch.
 */
import { performance } from 'node:perf_hooks';
import { TspireError } from '@tspire/common';
import { parseCsr } from './csr.js';
import { SigningError } from './signing-errors.js';
import type { X509SvidSigner } from './x509-svid-signer.js';

export interface CsrSigningItem {
  spiffeId: string;
  csr: Uint8Array;
  dnsNames: readonly string[];
  /** Already resolved: 0 was replaced by the CA's default before dispatch. */
  ttlSeconds: number;
  checkCsrUri: boolean;
}

export type CsrSigningOutcome =
  | { ok: true; certificate: Uint8Array; serialHex: string; expiresAt: number }
  | { ok: false; code: string; message: string };

/** Where the time went (milliseconds), summed over the items signed. */
export interface SigningTimings {
  parseMs: number;
  signMs: number;
}

const MAX_QUOTED = 200;
const quote = (text: string): string => JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text);

/**
 * A CSR may name no URI (agent CSRs) or exactly the ID being signed; anything else (another
 * workload's ID, another trust domain's) is refused rather than silently replaced.
 * @throws SigningError ERR_CA_CSR_URI_MISMATCH
 */
export function checkCsrUri(uris: readonly string[], spiffeId: string): void {
  if (uris.length === 0 || (uris.length === 1 && uris[0] === spiffeId)) return;
  if (uris.length === 1) {
    throw new SigningError('ERR_CA_CSR_URI_MISMATCH', `CSR URI SAN ${quote(uris[0]!)} does not match the SPIFFE ID being signed ${quote(spiffeId)}`);
  }
  throw new SigningError('ERR_CA_CSR_URI_MISMATCH', `CSR has ${uris.length} URI SANs; expected none or exactly ${quote(spiffeId)}`);
}

/** A failure outcome for `err`: typed errors keep code and message, anything else is ERR_CA_SIGNING_FAILED. */
export function failureOf(err: unknown): Extract<CsrSigningOutcome, { ok: false }> {
  if (err instanceof TspireError) return { ok: false, code: err.code, message: err.message };
  return { ok: false, code: 'ERR_CA_SIGNING_FAILED', message: `failed to sign X509-SVID: ${err instanceof Error ? err.message : String(err)}` };
}

/**
 * Signs one item with `signer` at `nowSeconds`, adding the time spent to `timings`.
 * @example const outcome = signFromCsr(signer, { spiffeId, csr, dnsNames: [], ttlSeconds: 3600, checkCsrUri: true }, now, timings);
 */
export function signFromCsr(signer: X509SvidSigner, item: CsrSigningItem, nowSeconds: number, timings: SigningTimings): CsrSigningOutcome {
  const started = performance.now();
  let parsedAt = started;
  try {
    const csr = parseCsr(item.csr);
    if (item.checkCsrUri) checkCsrUri(csr.uris, item.spiffeId);
    parsedAt = performance.now();
    timings.parseMs += parsedAt - started;
    const signed = signer.sign({ spiffeId: item.spiffeId, spkiDer: csr.spkiDer, dnsNames: item.dnsNames, ttlSeconds: item.ttlSeconds, now: nowSeconds });
    timings.signMs += performance.now() - parsedAt;
    return { ok: true, certificate: signed.certificate, serialHex: Buffer.from(signed.serial).toString('hex'), expiresAt: signed.notAfter };
  } catch (err) {
    if (parsedAt === started) timings.parseMs += performance.now() - started;
    else timings.signMs += performance.now() - parsedAt;
    return failureOf(err);
  }
}
