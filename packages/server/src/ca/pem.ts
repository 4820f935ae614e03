/** PEM helpers: CERTIFICATE blocks in and out. */

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

/** DER of every CERTIFICATE block in `text`, in order (other block types are skipped). */
export function pemCertificates(text: string): Buffer[] {
  return [...text.matchAll(CERTIFICATE_BLOCK)].map((match) => Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64'));
}

/** One PEM block with 64-character lines. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
