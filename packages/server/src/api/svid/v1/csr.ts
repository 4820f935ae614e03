// Reads what MintX509SVID needs from a PKCS#10 CSR: verified signature, exactly one URI SAN
// (the SPIFFE ID) and any DNS SANs. Admin-only path, so @peculiar/x509 is fast enough here.
import * as x509 from '@peculiar/x509';
import { invalidArgument } from '../../errors.js';

export interface CsrContents {
  uris: string[];
  dnsNames: string[];
  publicKeyDer: Uint8Array;
}

export async function readCsr(der: Uint8Array): Promise<CsrContents> {
  if (der.length === 0) throw invalidArgument('missing CSR');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(Uint8Array.from(der).buffer);
  } catch (err) {
    throw invalidArgument(`malformed CSR: ${err instanceof Error ? err.message : String(err)}`);
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw invalidArgument(`invalid CSR signature: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!valid) throw invalidArgument('invalid CSR signature: signature does not match the public key');
  const uris: string[] = [];
  const dnsNames: string[] = [];
  const san = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  for (const name of san?.names.items ?? []) {
    if (name.type === 'url') uris.push(name.value);
    else if (name.type === 'dns') dnsNames.push(name.value);
  }
  return { uris, dnsNames, publicKeyDer: new Uint8Array(csr.publicKey.rawData) };
}
