/**
 * The `spire-server` CLI comparison (issue 8, item 4): one scenario of CLI commands (healthcheck,
 * token generate, entry create/show/update/delete/count in pretty and JSON, bundle show, and a
 * federated bundle set/list/count/delete for -federatesWith) run
 * through a `Cli` (a CLI binary bound to one server's admin socket), and the normalisation that
 * makes two runs comparable: entry IDs and tokens become labels, timestamps and per-server key
 * material become placeholders, certificates become a summary of their fields.
 */
import { createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { RunResult } from '../../e2e/lib/processes.js';

/** Runs one CLI command (`spire-server <args> -socketPath <socket>`) to completion. */
export type Cli = (...args: string[]) => Promise<RunResult>;

export const TD = 'example.org';
/** 2100-01-01T00:00:00Z: a fixed entry expiry, kept verbatim by the normaliser. */
export const ENTRY_EXPIRY = '4102444800';

/** What one step printed, normalised. */
export interface StepOutput {
  readonly step: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Raw values (entry IDs, tokens) seen so far and the labels that replace them. */
class Labels {
  private readonly map = new Map<string, string>();
  private anonymous = 0;

  set(raw: string | undefined, label: string): void {
    if (raw !== undefined && raw !== '' && !this.map.has(raw)) this.map.set(raw, `<${label}>`);
  }

  get(raw: string): string {
    return this.map.get(raw) ?? raw;
  }

  /** The raw value behind a label ('' when that step did not produce it). */
  raw(label: string): string {
    for (const [raw, l] of this.map) if (l === `<${label}>`) return raw;
    return '';
  }

  apply(text: string): string {
    let out = text;
    for (const [raw, label] of this.map) out = out.split(raw).join(label);
    // Other UUIDs (the entries token generate creates) numbered in order of appearance.
    return out.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, (uuid) => {
      if (!this.map.has(uuid)) this.map.set(uuid, `<uuid-${++this.anonymous}>`);
      return this.map.get(uuid)!;
    });
  }
}

/** The fields of a certificate that must agree between two servers of the same configuration. */
export function certSummary(der: Uint8Array): string {
  const cert = new x509.X509Certificate(der);
  // SPIRE puts a random serialNumber attribute in CA subjects: keep that it is there, not its value.
  const name = (dn: string) => dn.replace(/2\.5\.4\.5=\d+/g, '2.5.4.5=<serial>');
  const parts = [`subject=${name(cert.subject)}`, `issuer=${name(cert.issuer)}`];
  const key = cert.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  parts.push(`key=${key.name}${key.namedCurve ? `/${key.namedCurve}` : ''}${key.modulusLength ? `/${key.modulusLength}` : ''}`);
  const sig = cert.signatureAlgorithm as unknown as { name: string; hash?: { name: string } };
  parts.push(`sig=${sig.name}/${sig.hash?.name ?? ''}`);
  parts.push(`validity=${Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / 60_000)}min`);
  for (const ext of cert.extensions) {
    let value = '';
    if (ext instanceof x509.BasicConstraintsExtension) value = `ca=${ext.ca}${ext.pathLength === undefined ? '' : ` pathLen=${ext.pathLength}`}`;
    else if (ext instanceof x509.KeyUsagesExtension) value = `usages=${ext.usages}`;
    else if (ext instanceof x509.SubjectAlternativeNameExtension) value = ext.names.toJSON().map((n) => `${n.type}:${n.value}`).join(',');
    else if (ext instanceof x509.ExtendedKeyUsageExtension) value = ext.usages.join(',');
    parts.push(`ext(${ext.type}${ext.critical ? ',critical' : ''}${value === '' ? '' : `: ${value}`})`);
  }
  return `<certificate ${parts.join(' ')}>`;
}

/** A long base64 string: a certificate, a public key, or opaque bytes. */
function base64Summary(b64: string): string {
  const der = Buffer.from(b64, 'base64');
  try {
    return certSummary(der);
  } catch {
    // not a certificate
  }
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    return `<public key ${key.asymmetricKeyType ?? '?'}/${key.asymmetricKeyDetails?.namedCurve ?? key.asymmetricKeyDetails?.modulusLength ?? ''}>`;
  } catch {
    return `<${der.length} bytes>`;
  }
}

/**
 * Normalises one output text: PEM certificates and base64 DER become summaries; JWK coordinates,
 * key IDs and times become placeholders; entry IDs and tokens become their labels. The entry
 * expiry the scenario sets (ENTRY_EXPIRY) is kept: both servers must echo it.
 */
export function normalizeText(text: string, labels: Labels): string {
  let out = text.replace(/-----BEGIN CERTIFICATE-----\n([\s\S]*?)-----END CERTIFICATE-----/g, (_m, body: string) =>
    certSummary(Buffer.from(body.replace(/\s+/g, ''), 'base64')),
  );
  out = out.replace(/"([A-Za-z0-9+/]{80,}={0,2})"/g, (_m, b64: string) => `"${base64Summary(b64)}"`);
  out = out.replace(/"(x|y)":(\s*)"[A-Za-z0-9_-]+"/g, '"$1":$2"<coordinate>"');
  out = out.replace(/"(kid|key_id)":(\s*)"[^"]+"/g, '"$1":$2"<key id>"');
  out = out.replace(/"(created_at|expires_at)":(\s*)"(\d+)"/g, (m, key: string, sp: string, value: string) =>
    value === ENTRY_EXPIRY || value === '0' ? m : `"${key}":${sp}"<unix time>"`,
  );
  return labels.apply(out);
}

/** Files the scenario reads; the same file for every run. */
export interface ScenarioFiles {
  /** PEM CA certificate of the federated trust domain `other.org`. */
  readonly federatedBundle: string;
}

interface Step {
  readonly name: string;
  readonly args: (labels: Labels, files: ScenarioFiles) => string[];
  /** Records IDs/tokens the output contains, before normalisation. */
  readonly capture?: (result: RunResult, labels: Labels) => void;
}

const id = (path: string): string => `spiffe://${TD}${path}`;
const firstMatch = (re: RegExp, text: string): string | undefined => re.exec(text)?.[1];
function jsonPath(text: string, pick: (doc: any) => unknown): string | undefined {
  try {
    const v = pick(JSON.parse(text));
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
const entryIdFromPretty = (label: string) => (r: RunResult, l: Labels) => l.set(firstMatch(/^Entry ID\s*:\s*(\S+)$/m, r.stdout), label);
const entryIdFromJson = (label: string) => (r: RunResult, l: Labels) => l.set(jsonPath(r.stdout, (d) => d.results?.[0]?.entry?.id), label);

const ONE = ['-parentID', id('/node-a'), '-spiffeID', id('/w/one'), '-selector', 'unix:uid:1001', '-selector', 'unix:gid:1001'];
const FEDERATED = 'spiffe://other.org';
const ONE_EXTRAS = ['-x509SVIDTTL', '600', '-jwtSVIDTTL', '300', '-dns', 'one.example.org', '-dns', 'one-alt.example.org', '-federatesWith', FEDERATED];
const ONE_FLAGS = ['-hint', 'one', '-admin', '-storeSVID', '-entryExpiry', ENTRY_EXPIRY];
const TWO = ['-parentID', id('/node-a'), '-spiffeID', id('/w/two'), '-selector', 'unix:uid:1002'];

/** The scenario, in order; later steps use the IDs earlier ones captured. */
export const SCENARIO: readonly Step[] = [
  { name: 'healthcheck', args: () => ['healthcheck'] },
  { name: 'healthcheck -verbose', args: () => ['healthcheck', '-verbose'] },
  {
    name: 'token generate -spiffeID',
    args: () => ['token', 'generate', '-spiffeID', id('/node-a'), '-ttl', '600'],
    capture: (r, l) => l.set(firstMatch(/^Token: (\S+)$/m, r.stdout), 'token:node-a'),
  },
  {
    name: 'token generate -output json',
    args: () => ['token', 'generate', '-spiffeID', id('/node-b'), '-output', 'json'],
    capture: (r, l) => l.set(jsonPath(r.stdout, (d) => d.value), 'token:node-b'),
  },
  {
    name: 'token generate (no -spiffeID)',
    args: () => ['token', 'generate'],
    capture: (r, l) => l.set(firstMatch(/^Token: (\S+)$/m, r.stdout), 'token:anonymous'),
  },
  { name: 'bundle set (federated, PEM)', args: (_l, f) => ['bundle', 'set', '-id', FEDERATED, '-path', f.federatedBundle] },
  { name: 'bundle count', args: () => ['bundle', 'count'] },
  { name: 'bundle list', args: () => ['bundle', 'list'] },
  { name: 'bundle list -id -format spiffe', args: () => ['bundle', 'list', '-id', FEDERATED, '-format', 'spiffe'] },
  { name: 'bundle list -output json', args: () => ['bundle', 'list', '-output', 'json'] },
  { name: 'entry create (all fields)', args: () => ['entry', 'create', ...ONE, ...ONE_EXTRAS, ...ONE_FLAGS], capture: entryIdFromPretty('entry:one') },
  { name: 'entry create -output json', args: () => ['entry', 'create', ...TWO, '-downstream', '-output', 'json'], capture: entryIdFromJson('entry:two') },
  {
    name: 'entry create -node',
    args: () => ['entry', 'create', '-node', '-spiffeID', id('/node-group'), '-selector', 'join_token:group'],
    capture: entryIdFromPretty('entry:node'),
  },
  { name: 'entry create (duplicate)', args: () => ['entry', 'create', ...ONE, ...ONE_EXTRAS, ...ONE_FLAGS] },
  { name: 'entry create (duplicate) -output json', args: () => ['entry', 'create', ...TWO, '-downstream', '-output', 'json'] },
  { name: 'entry create (foreign trust domain)', args: () => ['entry', 'create', '-parentID', id('/node-a'), '-spiffeID', 'spiffe://other.org/w', '-selector', 'unix:uid:1'] },
  { name: 'entry create (bad SPIFFE ID)', args: () => ['entry', 'create', '-parentID', id('/node-a'), '-spiffeID', 'not-an-id', '-selector', 'unix:uid:1'] },
  { name: 'entry create (no selector)', args: () => ['entry', 'create', '-parentID', id('/node-a'), '-spiffeID', id('/w/x')] },
  { name: 'entry show', args: () => ['entry', 'show'] },
  { name: 'entry show -output json', args: () => ['entry', 'show', '-output', 'json'] },
  { name: 'entry show -entryID', args: (l) => ['entry', 'show', '-entryID', l.raw('entry:one')] },
  { name: 'entry show -entryID -output json', args: (l) => ['entry', 'show', '-entryID', l.raw('entry:one'), '-output', 'json'] },
  { name: 'entry show -spiffeID', args: () => ['entry', 'show', '-spiffeID', id('/w/two')] },
  { name: 'entry show -parentID -output json', args: () => ['entry', 'show', '-parentID', id('/node-a'), '-output', 'json'] },
  { name: 'entry show -selector (superset)', args: () => ['entry', 'show', '-selector', 'unix:uid:1001'] },
  { name: 'entry show -selector -matchSelectorsOn any', args: () => ['entry', 'show', '-selector', 'unix:uid:1002', '-selector', 'unix:gid:1001', '-matchSelectorsOn', 'any'] },
  { name: 'entry show -downstream', args: () => ['entry', 'show', '-downstream'] },
  { name: 'entry show -federatesWith', args: () => ['entry', 'show', '-federatesWith', FEDERATED] },
  { name: 'entry count -federatesWith -matchFederatesWithOn exact', args: () => ['entry', 'count', '-federatesWith', FEDERATED, '-matchFederatesWithOn', 'exact'] },
  { name: 'entry show -hint', args: () => ['entry', 'show', '-hint', 'one'] },
  { name: 'entry show -entryID (unknown)', args: () => ['entry', 'show', '-entryID', '00000000-0000-4000-8000-000000000000'] },
  { name: 'entry count', args: () => ['entry', 'count'] },
  { name: 'entry count -output json', args: () => ['entry', 'count', '-output', 'json'] },
  { name: 'entry count -parentID', args: () => ['entry', 'count', '-parentID', id('/node-a')] },
  { name: 'entry count -spiffeID (one match)', args: () => ['entry', 'count', '-spiffeID', id('/w/one')] },
  { name: 'entry update', args: (l) => ['entry', 'update', '-entryID', l.raw('entry:one'), ...ONE, '-x509SVIDTTL', '900', '-hint', 'one-v2'] },
  { name: 'entry update -output json', args: (l) => ['entry', 'update', '-entryID', l.raw('entry:two'), ...TWO, '-jwtSVIDTTL', '120', '-output', 'json'] },
  { name: 'entry show after update', args: () => ['entry', 'show', '-parentID', id('/node-a')] },
  { name: 'entry update (unknown entry)', args: () => ['entry', 'update', '-entryID', '00000000-0000-4000-8000-000000000000', ...TWO] },
  {
    name: 'entry create -jwtSVIDIncludeJTI',
    args: () => ['entry', 'create', '-parentID', id('/node-a'), '-spiffeID', id('/w/three'), '-selector', 'unix:uid:1003', '-jwtSVIDIncludeJTI'],
    capture: entryIdFromPretty('entry:three'),
  },
  {
    name: 'entry update -disableX509SVIDPrefetch (keeps stored attributes) -output json',
    args: (l) => ['entry', 'update', '-entryID', l.raw('entry:three'), '-parentID', id('/node-a'), '-spiffeID', id('/w/three'), '-selector', 'unix:uid:1003', '-disableX509SVIDPrefetch', '-output', 'json'],
  },
  { name: 'entry update (no attribute flags) clears attributes', args: (l) => ['entry', 'update', '-entryID', l.raw('entry:three'), '-parentID', id('/node-a'), '-spiffeID', id('/w/three'), '-selector', 'unix:uid:1003'] },
  { name: 'entry delete (three)', args: (l) => ['entry', 'delete', '-entryID', l.raw('entry:three')] },
  { name: 'entry delete', args: (l) => ['entry', 'delete', '-entryID', l.raw('entry:one')] },
  { name: 'entry delete -output json', args: (l) => ['entry', 'delete', '-entryID', l.raw('entry:two'), '-output', 'json'] },
  { name: 'entry delete (unknown entry)', args: () => ['entry', 'delete', '-entryID', '00000000-0000-4000-8000-000000000000'] },
  { name: 'entry delete (unknown entry) -output json', args: () => ['entry', 'delete', '-entryID', '00000000-0000-4000-8000-000000000000', '-output', 'json'] },
  { name: 'entry count after delete', args: () => ['entry', 'count'] },
  { name: 'bundle delete (federated)', args: () => ['bundle', 'delete', '-id', FEDERATED] },
  { name: 'bundle count after delete', args: () => ['bundle', 'count', '-output', 'json'] },
  { name: 'bundle show', args: () => ['bundle', 'show'] },
  { name: 'bundle show -format spiffe', args: () => ['bundle', 'show', '-format', 'spiffe'] },
  { name: 'bundle show -output json', args: () => ['bundle', 'show', '-output', 'json'] },
];

/** Runs every step in order through `cli` (a failing step does not stop the others). */
export async function runScenario(cli: Cli, files: ScenarioFiles): Promise<StepOutput[]> {
  const labels = new Labels();
  const outputs: StepOutput[] = [];
  for (const step of SCENARIO) {
    const result = await cli(...step.args(labels, files));
    step.capture?.(result, labels);
    outputs.push({ step: step.name, code: result.code, stdout: normalizeText(result.stdout, labels), stderr: normalizeText(result.stderr, labels) });
  }
  return outputs;
}

/** Parsed JSON of a normalised output, or undefined when it is not JSON (pretty output). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
