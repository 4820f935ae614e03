/**
 * How the agent first trusts the server and proves who it is: the trust bundle source
 * (trust_bundle_path | trust_bundle_url | insecure_bootstrap, exactly one, as SPIRE), the
 * rebootstrap settings, and the join token (join_token | join_token_file). Error messages follow
 * SPIRE's; the token itself never appears in one.
 */
import { formatGoDuration } from '@tspire/common';
import { IGNORED, absolutePath } from './raw.js';
import type { AgentSection, SectionChecker } from './section-checker.js';
import type { TrustBundleFormat, TrustBundleSource } from './types.js';

const REBOOTSTRAP_MODES = ['never', 'auto', 'always'] as const;
const DEFAULT_REBOOTSTRAP_DELAY_MS = 10 * 60_000;

export interface BootstrapContext {
  cwd: string;
  readFile: (path: string) => string;
  warnings: string[];
}

function bundleFormat(s: AgentSection, check: SectionChecker): TrustBundleFormat {
  const format = s.trust_bundle_format ?? 'pem';
  if (format === 'pem' || format === 'spiffe') return format;
  throw check.error('trust_bundle_format', `invalid value ${JSON.stringify(format)}, expected "pem" or "spiffe"`);
}

/** Empty strings count as unset, as in SPIRE. */
function given(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function exclusiveSources(s: AgentSection, check: SectionChecker): void {
  const path = given(s.trust_bundle_path);
  const url = given(s.trust_bundle_url);
  if (given(s.trust_bundle_spiffe_workload_api)) {
    throw check.error('trust_bundle_spiffe_workload_api', 'bootstrapping from a SPIFFE Workload API is not supported by tspire; use trust_bundle_path or trust_bundle_url');
  }
  if (s.insecure_bootstrap === true) {
    if (url && path) throw check.error('insecure_bootstrap', 'only one of insecure_bootstrap, trust_bundle_url, or trust_bundle_path can be specified, not the three options');
    if (url) throw check.error('insecure_bootstrap', 'only one of insecure_bootstrap or trust_bundle_url can be specified, not both');
    if (path) throw check.error('insecure_bootstrap', 'only one of insecure_bootstrap or trust_bundle_path can be specified, not both');
  } else if (!path && !url) {
    throw check.error('trust_bundle_path', 'trust_bundle_path or trust_bundle_url must be configured unless insecure_bootstrap is set');
  }
  if (url && path) throw check.error('trust_bundle_url', 'only one of trust_bundle_url or trust_bundle_path can be specified, not both');
}

function bundleUrl(s: AgentSection, check: SectionChecker, format: TrustBundleFormat, cwd: string): TrustBundleSource {
  const text = s.trust_bundle_url ?? '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw check.error('trust_bundle_url', `unable to parse trust bundle URL ${JSON.stringify(text)}`);
  }
  const socket = given(s.trust_bundle_unix_socket) ? absolutePath(cwd, s.trust_bundle_unix_socket) : undefined;
  if (url.protocol !== 'https:' && !(socket !== undefined && url.protocol === 'http:')) {
    throw check.error('trust_bundle_url', `trust bundle URL must start with https:// (http:// only with trust_bundle_unix_socket), got ${JSON.stringify(text)}`);
  }
  return socket === undefined ? { kind: 'url', url: text, format } : { kind: 'url', url: text, format, unixSocket: socket };
}

/** The one trust bundle source, checked; also validates and reports the rebootstrap settings. */
export function buildTrustBundle(s: AgentSection, check: SectionChecker, ctx: BootstrapContext): TrustBundleSource {
  exclusiveSources(s, check);
  const format = bundleFormat(s, check);
  if (given(s.trust_bundle_unix_socket) && !given(s.trust_bundle_url)) {
    throw check.error('trust_bundle_unix_socket', 'can only be used with trust_bundle_url');
  }
  checkRebootstrap(s, check, ctx.warnings);
  if (s.insecure_bootstrap === true) {
    ctx.warnings.push('agent.insecure_bootstrap: the agent will not authenticate the server on its first connection; use it only for testing');
    return { kind: 'insecure' };
  }
  if (given(s.trust_bundle_url)) return bundleUrl(s, check, format, ctx.cwd);
  return { kind: 'path', path: absolutePath(ctx.cwd, s.trust_bundle_path ?? ''), format };
}

function checkRebootstrap(s: AgentSection, check: SectionChecker, warnings: string[]): void {
  const mode = s.rebootstrap_mode ?? 'never';
  if (!(REBOOTSTRAP_MODES as readonly string[]).includes(mode)) {
    throw check.error('rebootstrap_mode', `invalid value ${JSON.stringify(mode)}, expected one of ${REBOOTSTRAP_MODES.join(', ')}`);
  }
  const delay = s.rebootstrap_delay ?? DEFAULT_REBOOTSTRAP_DELAY_MS;
  if (delay <= 0) throw check.error('rebootstrap_delay', `must be a positive duration, got ${formatGoDuration(delay)}`);
  if (mode !== 'never' && s.insecure_bootstrap === true) {
    throw check.error('rebootstrap_mode', `rebootstrap_mode "${mode}" cannot be used with insecure_bootstrap (use "never")`);
  }
  if (mode !== 'never') warnings.push(`agent.rebootstrap_mode: "${mode}" is ${IGNORED} (the agent never rebootstraps)`);
}

/** join_token, or the trimmed content of join_token_file; undefined when neither is set. */
export function readJoinToken(s: AgentSection, check: SectionChecker, ctx: BootstrapContext): string | undefined {
  const token = given(s.join_token) ? s.join_token : undefined;
  const file = given(s.join_token_file) ? s.join_token_file : undefined;
  if (token !== undefined && file !== undefined) {
    throw check.error(check.fromFlag('join_token_file') ? 'join_token_file' : 'join_token', 'only one of join_token or join_token_file can be specified, not both');
  }
  if (file === undefined) return token;
  const path = absolutePath(ctx.cwd, file);
  let text: string;
  try {
    text = ctx.readFile(path);
  } catch (err) {
    throw check.error('join_token_file', `unable to read join token file ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  const trimmed = text.trim();
  if (trimmed === '') throw check.error('join_token_file', `join token file ${JSON.stringify(path)} is empty`);
  return trimmed;
}
