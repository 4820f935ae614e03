/**
 * The `server {}` section: flag overrides, defaults, validation and the TTL warnings SPIRE
 * logs. Errors name the key (`server.trust_domain: ...`) and where it was written, or the flag
 * that set it.
 */
import { ConfigError, formatGoDuration, parseLogFormat, parseLogLevel, type Decoded, type PlainObject } from '@tspire/common';
import { SpiffeId, TrustDomain } from '@tspire/spiffe';
import { FLAG_KEYS, type ParsedServerFlags } from './flags.js';
import { absolutePath, positionIn } from './raw.js';
import type { serverSectionSchema } from './schema.js';
import { IGNORED, buildExperimental } from './sections.js';
import { buildFederation } from './federation.js';
import { KEY_TYPES, type ConfigKeyType, type ServerConfig } from './types.js';

export type ServerSection = Decoded<typeof serverSectionSchema>;
type ServerFields = Omit<ServerConfig, 'plugins' | 'healthChecks' | 'telemetry'>;

const HOUR_MS = 3600_000;
const SEVEN_DAYS_MS = 7 * 24 * HOUR_MS;
/** A CA slot is activated when 1/6 of its lifetime remains; longer SVIDs get cut at rotation. */
const ACTIVATION_DIVISOR = 6;

/** Which section key each given flag set, for error messages. */
type FlagSources = Map<string, string>;

/** The section with the given flags applied over it (flags > file). */
export function applyFlags(section: ServerSection, flags: ParsedServerFlags | undefined): { section: ServerSection; sources: FlagSources } {
  const out: Record<string, unknown> = { ...section };
  const sources: FlagSources = new Map();
  if (flags === undefined) return { section, sources };
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    if (!flags.set.has(flag as keyof typeof FLAG_KEYS)) continue;
    out[key] = flags.values[flag as keyof typeof FLAG_KEYS];
    sources.set(key, flag);
  }
  return { section: out as ServerSection, sources };
}

class SectionChecker {
  constructor(
    private readonly raw: PlainObject | undefined,
    private readonly sources: FlagSources,
  ) {}

  error(key: string, reason: string): ConfigError {
    const flag = this.sources.get(key.split(/[.[]/)[0] ?? key);
    if (flag !== undefined) return new ConfigError(`server.${key}`, `${reason} (set by -${flag})`);
    return new ConfigError(`server.${key}`, reason, positionIn(this.raw, key.split(/[.[]/)[0] ?? key));
  }

  required(key: string, value: string | undefined): string {
    if (value === undefined || value.trim() === '') throw this.error(key, 'must be configured');
    return value;
  }

  positive(key: string, value: number | undefined, fallback: number): number {
    const ms = value ?? fallback;
    if (ms <= 0) throw this.error(key, `must be a positive duration, got ${formatGoDuration(ms)}`);
    return ms;
  }

  keyType(key: string, value: string | undefined, fallback: ConfigKeyType): ConfigKeyType {
    const type = value ?? fallback;
    if ((KEY_TYPES as readonly string[]).includes(type)) return type as ConfigKeyType;
    throw this.error(key, `unsupported key type ${JSON.stringify(type)} (expected one of ${KEY_TYPES.join(', ')})`);
  }

  parse<T>(key: string, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      throw this.error(key, (err as Error).message);
    }
  }
}

export interface ServerSectionContext {
  raw: PlainObject | undefined;
  flags: ParsedServerFlags | undefined;
  cwd: string;
  warnings: string[];
}

export function buildServerSection(decoded: ServerSection | undefined, ctx: ServerSectionContext): ServerFields {
  const { section: s, sources } = applyFlags(decoded ?? {}, ctx.flags);
  const check = new SectionChecker(ctx.raw, sources);
  const trustDomainText = check.required('trust_domain', s.trust_domain);
  const trustDomain = check.parse('trust_domain', () => {
    try {
      return TrustDomain.parse(trustDomainText);
    } catch (err) {
      throw new Error(`could not parse trust_domain ${JSON.stringify(trustDomainText)}: ${(err as Error).message}`);
    }
  });
  const bindAddress = s.bind_address ?? '0.0.0.0';
  if (bindAddress.trim() === '') throw check.error('bind_address', 'must not be empty');
  const bindPort = s.bind_port ?? 8081;
  if (bindPort < 0 || bindPort > 65535) throw check.error('bind_port', `port must be between 0 and 65535, got ${bindPort}`);
  const socketPath = s.socket_path ?? '/tmp/spire-server/private/api.sock';
  if (socketPath.trim() === '') throw check.error('socket_path', 'must not be empty');

  const caKeyType = check.keyType('ca_key_type', s.ca_key_type, 'ec-p256');
  const caTtl = check.positive('ca_ttl', s.ca_ttl, 24 * HOUR_MS);
  const defaultX509SvidTtl = check.positive('default_x509_svid_ttl', s.default_x509_svid_ttl, HOUR_MS);
  const fields: ServerFields = {
    bindAddress,
    bindPort,
    socketPath: absolutePath(ctx.cwd, socketPath),
    trustDomain,
    dataDir: absolutePath(ctx.cwd, check.required('data_dir', s.data_dir)),
    logLevel: check.parse('log_level', () => parseLogLevel(s.log_level ?? 'INFO')),
    logFormat: check.parse('log_format', () => parseLogFormat(s.log_format ?? 'text')),
    logSourceLocation: s.log_source_location ?? false,
    caKeyType,
    jwtKeyType: check.keyType('jwt_key_type', s.jwt_key_type, caKeyType),
    caSubject: s.ca_subject === undefined
      ? { country: ['US'], organization: ['SPIFFE'], commonName: '' }
      : { country: s.ca_subject.country ?? [], organization: s.ca_subject.organization ?? [], commonName: s.ca_subject.common_name ?? '' },
    caTtl,
    defaultX509SvidTtl,
    defaultJwtSvidTtl: check.positive('default_jwt_svid_ttl', s.default_jwt_svid_ttl, 5 * 60_000),
    agentTtl: check.positive('agent_ttl', s.agent_ttl, defaultX509SvidTtl),
    disableJwtSvids: s.disable_jwt_svids ?? false,
    adminIds: (s.admin_ids ?? []).map((id, i) =>
      check.parse(`admin_ids[${i}]`, () => {
        try {
          return SpiffeId.parse(id);
        } catch (err) {
          throw new Error(`invalid SPIFFE ID ${JSON.stringify(id)}: ${(err as Error).message}`);
        }
      }),
    ),
    auditLogEnabled: s.audit_log_enabled ?? false,
    ratelimit: { attestation: s.ratelimit?.attestation ?? true, signing: s.ratelimit?.signing ?? true },
    federation: buildFederation(s.federation, ctx.cwd, ctx.warnings),
    pruneAttestedNodesBatchSize: s.prune_attested_nodes_batch_size ?? 1000,
    pruneTofuNodes: s.prune_tofu_nodes ?? false,
    experimental: buildExperimental(s.experimental, ctx.warnings),
  };
  if (fields.pruneAttestedNodesBatchSize <= 0) throw check.error('prune_attested_nodes_batch_size', 'must be positive');
  if (s.log_file !== undefined && s.log_file !== '') fields.logFile = absolutePath(ctx.cwd, s.log_file);
  if (s.jwt_issuer !== undefined && s.jwt_issuer !== '') fields.jwtIssuer = s.jwt_issuer;
  const prune = s.prune_attested_nodes_expired_for;
  if (prune !== undefined && prune < 0) throw check.error('prune_attested_nodes_expired_for', 'must not be negative');
  if (prune !== undefined && prune > 0) fields.pruneAttestedNodesExpiredFor = prune;
  ctx.warnings.push(...ignoredKeyWarnings(s), ...ttlWarnings(fields, s.agent_ttl !== undefined));
  return fields;
}

/** Documented SPIRE keys tspire does not act on, when set to something other than "off". */
function ignoredKeyWarnings(s: ServerSection): string[] {
  const set = {
    proxy_protocol_trusted_cidrs: (s.proxy_protocol_trusted_cidrs ?? []).length > 0,
    profiling_enabled: s.profiling_enabled === true,
    profiling_port: s.profiling_port !== undefined,
    profiling_freq: s.profiling_freq !== undefined,
    profiling_names: (s.profiling_names ?? []).length > 0,
    max_attested_node_info_staleness: (s.max_attested_node_info_staleness ?? 0) !== 0,
  };
  return Object.entries(set).filter(([, on]) => on).map(([key]) => `server.${key}: ${IGNORED}`);
}

/** SPIRE warns when an SVID TTL exceeds min(ca_ttl/6, 7d): CA rotation would cut such SVIDs short. */
export function ttlWarnings(config: Pick<ServerConfig, 'caTtl' | 'defaultX509SvidTtl' | 'defaultJwtSvidTtl' | 'agentTtl'>, agentTtlSet: boolean): string[] {
  const caLimit = Math.floor(config.caTtl / ACTIVATION_DIVISOR);
  const max = Math.min(caLimit, SEVEN_DAYS_MS);
  const checks: [string, number][] = [
    ['default_x509_svid_ttl', config.defaultX509SvidTtl],
    ['default_jwt_svid_ttl', config.defaultJwtSvidTtl],
  ];
  if (agentTtlSet) checks.push(['agent_ttl', config.agentTtl]);
  const warnings: string[] = [];
  for (const [key, ttl] of checks) {
    if (ttl <= max) continue;
    if (ttl <= SEVEN_DAYS_MS) {
      warnings.push(
        `${key} is too high for the configured ca_ttl value. SVIDs with shorter lifetimes may be issued. ` +
          `Please set ${key} to ${formatGoDuration(max)} or less, or the ca_ttl to ${formatGoDuration(ttl * ACTIVATION_DIVISOR)} or more, ` +
          `to guarantee the full ${key} lifetime when CA rotations are scheduled.`,
      );
    } else {
      warnings.push(
        `${key} is too high. SVIDs with shorter lifetimes may be issued. Please set ${key} to ${formatGoDuration(max)} or less ` +
          `to guarantee the full ${key} lifetime when CA rotations are scheduled.`,
      );
    }
  }
  return warnings;
}
