/**
 * `api fetch x509 -write DIR`: per SVID i, `svid.i.pem` (chain, 0644), `svid.i.key` (PKCS#8
 * `PRIVATE KEY`, 0600), `bundle.i.pem` (0644) and `federated_bundle.i.j.pem` (trust domains
 * sorted), each announced on stdout as SPIRE does.
 */
import { join } from 'node:path';
import type { X509Certificate } from 'node:crypto';
import { encodePem } from '@tspire/spiffe';
import type { FileWriter } from '../../agent-cli/deps.js';
import type { ParsedX509Svid } from './x509-response.js';

const PUBLIC_MODE = 0o644;
const PRIVATE_MODE = 0o600;

const certificatesPem = (certs: readonly X509Certificate[]): string => certs.map((cert) => encodePem('CERTIFICATE', cert.raw)).join('');

/** Writes the files; `out` gets the `Writing ...` lines. */
export async function writeX509Svids(dir: string, svids: readonly ParsedX509Svid[], writeFile: FileWriter, out: (text: string) => void): Promise<void> {
  for (const [i, svid] of svids.entries()) {
    const svidPath = join(dir, `svid.${i}.pem`);
    const keyPath = join(dir, `svid.${i}.key`);
    const bundlePath = join(dir, `bundle.${i}.pem`);
    out(`Writing SVID #${i} to file ${svidPath}.\n`);
    await writeFile(svidPath, certificatesPem(svid.certificates), PUBLIC_MODE);
    out(`Writing key #${i} to file ${keyPath}.\n`);
    await writeFile(keyPath, svid.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, PRIVATE_MODE);
    out(`Writing bundle #${i} to file ${bundlePath}.\n`);
    await writeFile(bundlePath, certificatesPem(svid.bundle), PUBLIC_MODE);
    let j = 0;
    for (const [trustDomain, certs] of svid.federatedBundles) {
      const path = join(dir, `federated_bundle.${i}.${j}.pem`);
      out(`Writing federated bundle #${j} for trust domain ${trustDomain} to file ${path}.\n`);
      await writeFile(path, certificatesPem(certs), PUBLIC_MODE);
      j++;
    }
  }
}
