/**
 * What SPIRE's x509pop server attestor derives from a verified certificate: selector values
 * (stored with type `x509pop`), the serial number as hex and the `x509pop://` URI SAN pairs.
 */
import type { PopCertificate } from './certificate-chain.js';

/**
 * The serial number as lowercase hex of even length (`0a1b`), as in `x509pop:serialnumber:`
 * and `.SerialNumberHex`. The DER INTEGER content is two's complement; negative serials were
 * refused when the certificate was parsed.
 */
export function serialNumberHex(serial: Uint8Array): string {
  const hex = BigInt(`0x${Buffer.from(serial).toString('hex') || '0'}`).toString(16);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

/**
 * `key -> value` from the leaf's URI SANs `x509pop://<trust domain>/<key>/<value...>` (the
 * value may contain slashes). A later SAN with the same key wins, as in SPIRE's map. URIs that
 * do not have both parts are reported through `skipped`.
 */
export function sanSelectorPairs(uris: readonly string[], trustDomain: string, skipped: (uri: string) => void = () => {}): Map<string, string> {
  const prefix = `x509pop://${trustDomain}/`;
  const pairs = new Map<string, string>();
  for (const uri of uris) {
    if (!uri.startsWith(prefix)) continue;
    let path: string;
    try {
      path = decodeURIComponent(uri.slice(prefix.length).replace(/[?#].*$/s, ''));
    } catch {
      skipped(uri);
      continue;
    }
    const trimmed = path.replace(/^\/+|\/+$/g, '');
    const slash = trimmed.indexOf('/');
    if (slash <= 0 || slash === trimmed.length - 1) {
      skipped(uri);
      continue;
    }
    pairs.set(trimmed.slice(0, slash), trimmed.slice(slash + 1));
  }
  return pairs;
}

/**
 * Selector values in SPIRE's order: `subject:cn:` (when the leaf has a CN), `ca:fingerprint:`
 * for every certificate above the leaf on any verified chain (once each), `serialnumber:`,
 * then `san:<key>:<value>`.
 */
export function x509PopSelectorValues(leaf: PopCertificate, chains: readonly (readonly PopCertificate[])[], sans: ReadonlyMap<string, string>): string[] {
  const values: string[] = [];
  if (leaf.commonName !== '') values.push(`subject:cn:${leaf.commonName}`);
  const seen = new Set<string>();
  for (const chain of chains) {
    for (const cert of chain.slice(1)) {
      if (seen.has(cert.fingerprint)) continue;
      seen.add(cert.fingerprint);
      values.push(`ca:fingerprint:${cert.fingerprint}`);
    }
  }
  values.push(`serialnumber:${serialNumberHex(leaf.info.serial)}`);
  for (const [key, value] of sans) values.push(`san:${key}:${value}`);
  return values;
}
