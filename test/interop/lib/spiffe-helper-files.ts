/**
 * helper.conf for a one-shot spiffe-helper run (Go's or ours; the same file for both) and the
 * checks of what it wrote: the SVID chain verifies against the written bundle, the key matches
 * the leaf, the JWT-SVID verifies against the written JWT bundle; plus a layout summary (file
 * modes, PEM block types, JSON shape) so the files of the two helpers can be compared.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JwtBundle, JwtSvid, TrustDomain, X509Bundle, X509Svid, verifyX509Svid } from '@tspire/spiffe';

export const HELPER_AUDIENCE = 'spiffe://example.org/helper-audience';
const TD = TrustDomain.parse('example.org');

export const HELPER_FILES = {
  svid: 'svid.pem',
  key: 'svid_key.pem',
  bundle: 'svid_bundle.pem',
  jwtBundle: 'jwt_bundle.json',
  jwtSvid: 'jwt_svid.token',
} as const;

/** helper.conf text: daemon_mode = false, every output kind (X.509 files, a JWT-SVID, the JWT bundle). */
export function helperConfText(agentSocket: string, certDir: string): string {
  const q = (v: string) => JSON.stringify(v);
  return `agent_address = ${q(agentSocket)}
daemon_mode = false
cert_dir = ${q(certDir)}
svid_file_name = ${q(HELPER_FILES.svid)}
svid_key_file_name = ${q(HELPER_FILES.key)}
svid_bundle_file_name = ${q(HELPER_FILES.bundle)}
jwt_bundle_file_name = ${q(HELPER_FILES.jwtBundle)}
jwt_svids = [
  {
    jwt_audience = ${q(HELPER_AUDIENCE)}
    jwt_svid_file_name = ${q(HELPER_FILES.jwtSvid)}
  }
]
`;
}

export interface HelperFilesReport {
  /** The SPIFFE ID of the X509-SVID, verified against the written bundle with the key matching. */
  readonly x509Id: string;
  /** The SPIFFE ID of the JWT-SVID, verified against the written JWT bundle for the audience. */
  readonly jwtId: string;
  /** The written X.509 bundle, DER of each authority (hex), to compare with `bundle show`. */
  readonly bundleDer: string[];
  /** Modes, PEM block types and JSON shape of each file. */
  readonly layout: Record<string, string>;
}

const pemTypes = (text: string): string => [...text.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]).join(',');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Verifies the files a helper wrote into `dir` (throws naming the first check that fails). */
export async function checkHelperFiles(dir: string): Promise<HelperFilesReport> {
  const path = (name: string) => join(dir, name);
  const svidPem = readFileSync(path(HELPER_FILES.svid), 'utf8');
  const keyPem = readFileSync(path(HELPER_FILES.key), 'utf8');
  const bundlePem = readFileSync(path(HELPER_FILES.bundle), 'utf8');
  const svid = X509Svid.parsePem(svidPem, keyPem); // checks the key matches the leaf
  const bundle = X509Bundle.parsePem(TD, bundlePem);
  const verified = verifyX509Svid(svid.certificates, bundle);

  const jwtBundleDoc = JSON.parse(readFileSync(path(HELPER_FILES.jwtBundle), 'utf8')) as Record<string, unknown>;
  const encoded = jwtBundleDoc[TD.name];
  if (typeof encoded !== 'string') throw new Error(`${HELPER_FILES.jwtBundle} has no base64 JWKS for ${TD.name}: ${JSON.stringify(jwtBundleDoc)}`);
  const jwks = Buffer.from(encoded, 'base64').toString('utf8');
  const jwtBundle = JwtBundle.parseJwks(TD, jwks);
  const token = readFileSync(path(HELPER_FILES.jwtSvid), 'utf8');
  const jwt = await JwtSvid.parseAndValidate(token.trim(), jwtBundle, [HELPER_AUDIENCE]);

  const jwksDoc = JSON.parse(jwks) as { keys?: { kty?: string; use?: string }[] };
  const layout: Record<string, string> = {
    [HELPER_FILES.svid]: `${mode(path(HELPER_FILES.svid))} ${pemTypes(svidPem)}`,
    [HELPER_FILES.key]: `${mode(path(HELPER_FILES.key))} ${pemTypes(keyPem)}`,
    [HELPER_FILES.bundle]: `${mode(path(HELPER_FILES.bundle))} ${pemTypes(bundlePem)}`,
    [HELPER_FILES.jwtBundle]: `${mode(path(HELPER_FILES.jwtBundle))} {${Object.keys(jwtBundleDoc).join(',')}} keys=${(jwksDoc.keys ?? []).map((k) => `${k.kty}/${k.use ?? '-'}`).join(',')}`,
    [HELPER_FILES.jwtSvid]: `${mode(path(HELPER_FILES.jwtSvid))} ${token === token.trim() ? 'bare token' : 'token with whitespace'}`,
  };
  return {
    x509Id: verified.id.toString(),
    jwtId: jwt.id.toString(),
    bundleDer: bundle.x509Authorities().map((c) => Buffer.from(c.raw).toString('hex')),
    layout,
  };
}

/** DER (hex) of the certificates in a PEM text, e.g. `spire-server bundle show` output. */
export function pemDerHex(pem: string): string[] {
  return X509Bundle.parsePem(TD, pem)
    .x509Authorities()
    .map((c) => Buffer.from(c.raw).toString('hex'));
}
