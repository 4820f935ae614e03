/**
 * The `agent {}` section: flag overrides, defaults and validation, with SPIRE's rules and
 * messages. Errors name the key (`agent.trust_domain: ...`) and where it was written, or the
 * flag that set it.
 */
import { dirname } from 'node:path';
import { formatGoDuration, parseLogFormat, parseLogLevel, type PlainObject } from '@tspire/common';
import { SpiffeId, TrustDomain } from '@tspire/spiffe';
import { CSR_KEY_TYPES, type CsrKeyType } from '../client/csr.js';
import { buildTrustBundle, readJoinToken } from './bootstrap.js';
import type { ParsedAgentFlags } from './flags.js';
import { IGNORED, absolutePath } from './raw.js';
import { SectionChecker, applyFlags, type AgentSection } from './section-checker.js';
import { buildExperimental, buildSds } from './sections.js';
import type { AgentConfig } from './types.js';

type AgentFields = Omit<AgentConfig, 'plugins' | 'healthChecks' | 'telemetry'>;

export const DEFAULT_SOCKET_PATH = '/tmp/spire-agent/public/api.sock';
const DEFAULT_CACHE_MAX_SIZE = 1000;
const MIN_AVAILABILITY_TARGET_MS = 24 * 3600_000;

export interface AgentSectionContext {
  raw: PlainObject | undefined;
  flags: ParsedAgentFlags | undefined;
  cwd: string;
  readFile: (path: string) => string;
  warnings: string[];
}

function trustDomainOf(s: AgentSection, check: SectionChecker): TrustDomain {
  const text = check.required('trust_domain', s.trust_domain);
  return check.parse('trust_domain', () => {
    try {
      return TrustDomain.parse(text);
    } catch (err) {
      throw new Error(`could not parse trust_domain ${JSON.stringify(text)}: ${(err as Error).message}`);
    }
  });
}

function serverPort(s: AgentSection, check: SectionChecker): number {
  const port = s.server_port;
  if (port === undefined || port === 0) throw check.error('server_port', 'must be configured');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw check.error('server_port', `port must be between 1 and 65535, got ${port}`);
  return port;
}

function keyType(s: AgentSection, check: SectionChecker): CsrKeyType {
  const type = s.workload_x509_svid_key_type || 'ec-p256';
  if ((CSR_KEY_TYPES as readonly string[]).includes(type)) return type as CsrKeyType;
  throw check.error('workload_x509_svid_key_type', `unsupported key type ${JSON.stringify(type)} (expected one of ${CSR_KEY_TYPES.join(', ')})`);
}

/** SPIRE: the admin socket must not sit in the Workload API socket's directory or below it. */
function adminSocketPath(s: AgentSection, check: SectionChecker, cwd: string, socketPath: string): string | undefined {
  if ((s.admin_socket_path ?? '') === '') return undefined;
  const admin = absolutePath(cwd, s.admin_socket_path ?? '');
  if (admin.startsWith(`${dirname(socketPath)}/`)) {
    throw check.error('admin_socket_path', 'admin socket cannot be in the same directory or a subdirectory as that containing the Workload API socket');
  }
  return admin;
}

function authorizedDelegates(s: AgentSection, check: SectionChecker, trustDomain: TrustDomain): SpiffeId[] {
  return (s.authorized_delegates ?? []).map((text, i) =>
    check.parse(`authorized_delegates[${i}]`, () => {
      let id: SpiffeId;
      try {
        id = SpiffeId.parse(text);
      } catch (err) {
        throw new Error(`invalid SPIFFE ID ${JSON.stringify(text)}: ${(err as Error).message}`);
      }
      if (!id.memberOf(trustDomain)) throw new Error(`${JSON.stringify(text)} is not a member of trust domain "${trustDomain.name}"`);
      return id;
    }),
  );
}

export function buildAgentSection(decoded: AgentSection | undefined, ctx: AgentSectionContext): AgentFields {
  const { section: s, sources } = applyFlags(decoded ?? {}, ctx.flags);
  const check = new SectionChecker(ctx.raw, sources);
  const serverAddress = check.required('server_address', s.server_address).trim();
  const port = serverPort(s, check);
  const trustDomain = trustDomainOf(s, check);
  const bootstrap = { cwd: ctx.cwd, readFile: ctx.readFile, warnings: ctx.warnings };
  const trustBundle = buildTrustBundle(s, check, bootstrap);
  const joinToken = readJoinToken(s, check, bootstrap);
  const socketPath = absolutePath(ctx.cwd, s.socket_path || DEFAULT_SOCKET_PATH);
  const fields: AgentFields = {
    serverAddress,
    serverPort: port,
    trustDomain,
    trustBundle,
    dataDir: absolutePath(ctx.cwd, s.data_dir || '.'),
    socketPath,
    logLevel: check.parse('log_level', () => parseLogLevel(s.log_level || 'INFO')),
    logFormat: check.parse('log_format', () => parseLogFormat(s.log_format || 'text')),
    logSourceLocation: s.log_source_location ?? false,
    x509SvidCacheMaxSize: check.nonNegative('x509_svid_cache_max_size', s.x509_svid_cache_max_size, 0) || DEFAULT_CACHE_MAX_SIZE,
    jwtSvidCacheMaxSize: check.nonNegative('jwt_svid_cache_max_size', s.jwt_svid_cache_max_size, 0) || DEFAULT_CACHE_MAX_SIZE,
    workloadX509SvidKeyType: keyType(s, check),
    allowUnauthenticatedVerifiers: s.allow_unauthenticated_verifiers ?? false,
    allowedForeignJwtClaims: s.allowed_foreign_jwt_claims ?? [],
    authorizedDelegates: authorizedDelegates(s, check, trustDomain),
    disableWorkloadApi: s.disable_workload_api ?? false,
    disableSdsApi: s.disable_sds_api ?? false,
    sds: buildSds(s.sds, ctx.warnings),
    experimental: buildExperimental(s.experimental, ctx.warnings),
  };
  if (joinToken !== undefined) fields.joinToken = joinToken;
  const admin = adminSocketPath(s, check, ctx.cwd, socketPath);
  if (admin !== undefined) fields.adminSocketPath = admin;
  if ((s.log_file ?? '') !== '') fields.logFile = absolutePath(ctx.cwd, s.log_file ?? '');
  if (s.availability_target !== undefined) {
    if (s.availability_target < MIN_AVAILABILITY_TARGET_MS) {
      throw check.error('availability_target', `must be at least ${formatGoDuration(MIN_AVAILABILITY_TARGET_MS)}, got ${formatGoDuration(s.availability_target)}`);
    }
    fields.availabilityTarget = s.availability_target;
  }
  ctx.warnings.push(...ignoredKeyWarnings(s));
  return fields;
}

/** Documented SPIRE keys tspire does not act on, when set to something other than "off". */
function ignoredKeyWarnings(s: AgentSection): string[] {
  const set = {
    log_selectors: (s.log_selectors ?? []).length > 0,
    profiling_enabled: s.profiling_enabled === true,
    profiling_port: s.profiling_port !== undefined,
    profiling_freq: s.profiling_freq !== undefined,
    profiling_names: (s.profiling_names ?? []).length > 0,
  };
  return Object.entries(set).filter(([, on]) => on).map(([key]) => `agent.${key}: ${IGNORED}`);
}
