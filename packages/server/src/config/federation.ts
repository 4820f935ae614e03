/**
 * `server.federation`: this server's bundle endpoint and its static federation relationships
 * (`federates_with "<td>" {}`), validated as SPIRE does (https URLs, exactly one profile).
 */
import { ConfigError, formatGoDuration, type Decoded } from '@tspire/common';
import { SpiffeId, TrustDomain } from '@tspire/spiffe';
import { absolutePath, checkPort, labelPath } from './raw.js';
import type { federationSchema } from './schema.js';
import type { AcmeConfig, BundleEndpointConfig, BundleEndpointProfile, FederatesWithConfig, FederationConfig } from './types.js';

type FederationSection = Decoded<typeof federationSchema>;
type BundleEndpointSection = NonNullable<FederationSection['bundle_endpoint']>;
type AcmeSection = NonNullable<BundleEndpointSection['acme']>;
type FederatesWithSection = NonNullable<FederationSection['federates_with']>[number];

const PATH = 'server.federation';
const DEFAULT_REFRESH_HINT_MS = 5 * 60_000;
const LETS_ENCRYPT_V2 = 'https://acme-v02.api.letsencrypt.org/directory';
const DAY_MS = 24 * 3600_000;
/** Below this, relying parties would poll the endpoint very often (tspire's own threshold). */
const MIN_REFRESH_HINT_MS = 60_000;

export function buildFederation(section: FederationSection | undefined, cwd: string, warnings: string[]): FederationConfig {
  const config: FederationConfig = { federatesWith: [] };
  if (section === undefined) return config;
  if (section.bundle_endpoint !== undefined) config.bundleEndpoint = bundleEndpoint(section.bundle_endpoint, cwd, warnings);
  const seen = new Set<string>();
  for (const block of section.federates_with ?? []) {
    const relationship = federatesWith(block);
    if (seen.has(relationship.trustDomain.name)) {
      throw new ConfigError(labelPath(`${PATH}.federates_with`, block.label), 'trust domain is configured more than once', block.position);
    }
    seen.add(relationship.trustDomain.name);
    config.federatesWith.push(relationship);
  }
  return config;
}

function acme(section: AcmeSection, path: string): AcmeConfig {
  for (const key of ['domain_name', 'email'] as const) {
    if ((section[key] ?? '') === '') throw new ConfigError(`${path}.${key}`, 'must be configured');
  }
  return {
    domainName: section.domain_name ?? '',
    email: section.email ?? '',
    directoryUrl: section.directory_url ?? LETS_ENCRYPT_V2,
    tosAccepted: section.tos_accepted ?? false,
  };
}

function profile(section: BundleEndpointSection, cwd: string): BundleEndpointProfile {
  const path = `${PATH}.bundle_endpoint`;
  const profiles = section.profile ?? [];
  if (profiles.length === 0) {
    if (section.acme !== undefined) return { kind: 'https_web', acme: acme(section.acme, `${path}.acme`) };
    throw new ConfigError(`${path}.profile`, 'a profile block is required: profile "https_spiffe" {} or profile "https_web" { ... }');
  }
  const [first] = profiles;
  if (profiles.length > 1 || first === undefined) {
    throw new ConfigError(`${path}.profile`, 'exactly one bundle endpoint profile is expected', profiles[1]?.position);
  }
  if (section.acme !== undefined) throw new ConfigError(`${path}.acme`, 'cannot be used together with a profile block');
  const profilePath = labelPath(`${path}.profile`, first.label);
  const { acme: acmeSection, serving_cert_file: servingCert } = first.body;
  if (first.label === 'https_spiffe') {
    if (acmeSection !== undefined || servingCert !== undefined) {
      throw new ConfigError(profilePath, 'the https_spiffe profile takes no settings', first.position);
    }
    return { kind: 'https_spiffe' };
  }
  if (first.label !== 'https_web') {
    throw new ConfigError(profilePath, `unknown bundle endpoint profile "${first.label}" (expected https_spiffe or https_web)`, first.position);
  }
  if ((acmeSection === undefined) === (servingCert === undefined)) {
    throw new ConfigError(profilePath, 'exactly one of acme or serving_cert_file must be configured', first.position);
  }
  if (acmeSection !== undefined) return { kind: 'https_web', acme: acme(acmeSection, `${profilePath}.acme`) };
  const cert = servingCert ?? {};
  for (const key of ['cert_file_path', 'key_file_path'] as const) {
    if ((cert[key] ?? '') === '') throw new ConfigError(`${profilePath}.serving_cert_file.${key}`, 'must be configured');
  }
  const interval = cert.file_sync_interval ?? 3600_000;
  if (interval <= 0) throw new ConfigError(`${profilePath}.serving_cert_file.file_sync_interval`, 'must be positive');
  return {
    kind: 'https_web',
    servingCertFile: {
      certFilePath: absolutePath(cwd, cert.cert_file_path ?? ''),
      keyFilePath: absolutePath(cwd, cert.key_file_path ?? ''),
      fileSyncInterval: interval,
    },
  };
}

function bundleEndpoint(section: BundleEndpointSection, cwd: string, warnings: string[]): BundleEndpointConfig {
  const path = `${PATH}.bundle_endpoint`;
  const refreshHint = section.refresh_hint ?? DEFAULT_REFRESH_HINT_MS;
  if (refreshHint <= 0) throw new ConfigError(`${path}.refresh_hint`, 'must be positive');
  if (refreshHint >= DAY_MS) {
    warnings.push(`${path}.refresh_hint: ${formatGoDuration(refreshHint)} is 24h or more; federated servers will rarely notice CA rotations`);
  } else if (refreshHint < MIN_REFRESH_HINT_MS) {
    warnings.push(`${path}.refresh_hint: ${formatGoDuration(refreshHint)} is very low; federated servers will poll the bundle endpoint very often`);
  }
  const address = section.address ?? '0.0.0.0';
  if (address === '') throw new ConfigError(`${path}.address`, 'must not be empty');
  return {
    address,
    port: checkPort(section.port ?? 443, `${path}.port`),
    refreshHint,
    profile: profile(section, cwd),
  };
}

function federatesWith(block: FederatesWithSection): FederatesWithConfig {
  const path = labelPath(`${PATH}.federates_with`, block.label);
  let trustDomain: TrustDomain;
  try {
    trustDomain = TrustDomain.parse(block.label);
  } catch (err) {
    throw new ConfigError(path, `invalid trust domain ${JSON.stringify(block.label)}: ${(err as Error).message}`, block.position);
  }
  const url = block.body.bundle_endpoint_url ?? '';
  if (url === '') throw new ConfigError(`${path}.bundle_endpoint_url`, 'must be configured', block.position);
  if (!url.startsWith('https://')) {
    throw new ConfigError(`${path}.bundle_endpoint_url`, `must use the HTTPS protocol; URL found: ${JSON.stringify(url)}`, block.position);
  }
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`${path}.bundle_endpoint_url`, `is not a valid URL: ${JSON.stringify(url)}`, block.position);
  }
  const profiles = block.body.bundle_endpoint_profile ?? [];
  const [profile] = profiles;
  if (profiles.length !== 1 || profile === undefined) {
    throw new ConfigError(`${path}.bundle_endpoint_profile`, 'exactly one bundle endpoint profile is expected (https_web or https_spiffe)', block.position);
  }
  const profilePath = labelPath(`${path}.bundle_endpoint_profile`, profile.label);
  const endpointId = profile.body.endpoint_spiffe_id;
  if (profile.label === 'https_web') {
    if (endpointId !== undefined) throw new ConfigError(`${profilePath}.endpoint_spiffe_id`, 'is only used by the https_spiffe profile', profile.position);
    return { trustDomain, bundleEndpointUrl: url, profile: { kind: 'https_web' } };
  }
  if (profile.label !== 'https_spiffe') {
    throw new ConfigError(profilePath, `unknown bundle endpoint profile "${profile.label}" (expected https_web or https_spiffe)`, profile.position);
  }
  if (endpointId === undefined || endpointId === '') throw new ConfigError(`${profilePath}.endpoint_spiffe_id`, 'must be configured', profile.position);
  try {
    return { trustDomain, bundleEndpointUrl: url, profile: { kind: 'https_spiffe', endpointSpiffeId: SpiffeId.parse(endpointId) } };
  } catch (err) {
    throw new ConfigError(`${profilePath}.endpoint_spiffe_id`, `invalid SPIFFE ID ${JSON.stringify(endpointId)}: ${(err as Error).message}`, profile.position);
  }
}
