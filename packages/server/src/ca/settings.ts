/** CA manager options (the server config keys it uses) and their validated, defaulted form. */
import { TrustDomain } from '@tspire/spiffe';
import type { KeyManager, KeyType } from '../keymanager/index.js';
import { KEY_TYPES } from '../keymanager/index.js';
import type { CaBundleStore } from './bundle-store.js';
import type { RandomBytes } from './certificate-builder.js';
import { CaError } from './errors.js';
import type { CaJournalStore } from './journal.js';
import type { UpstreamAuthority } from './upstream-authority.js';
import { DEFAULT_CA_SUBJECT, encodeName, type DistinguishedName } from './x509-name.js';

export interface CaManagerOptions {
  /** Trust domain name (`example.org`). */
  trustDomain: string;
  keyManager: KeyManager;
  journalStore: CaJournalStore;
  /**
   * A journal key used before journals were keyed per server (the trust domain ID). Read at
   * start when no per-server journal is found; adopted only if its active or prepared CA key is
   * one we hold, then deleted.
   */
  legacyJournalKey?: string;
  bundleStore: CaBundleStore;
  upstreamAuthority?: UpstreamAuthority;
  /** `ca_key_type` (ec-p256). */
  caKeyType?: KeyType;
  /** `jwt_key_type` (= ca_key_type). */
  jwtKeyType?: KeyType;
  /** `ca_subject` (C=US, O=SPIFFE). */
  caSubject?: DistinguishedName;
  /** `ca_ttl` (24h). */
  caTtlSeconds?: number;
  /** `default_x509_svid_ttl` (1h); also the server SVID TTL. */
  defaultX509SvidTtlSeconds?: number;
  /** `default_jwt_svid_ttl` (5m). */
  defaultJwtSvidTtlSeconds?: number;
  /** `agent_ttl` (= default_x509_svid_ttl). */
  agentTtlSeconds?: number;
  /** `jwt_issuer`: the `iss` claim of JWT-SVIDs. */
  jwtIssuer?: string;
  /** Current time in milliseconds (Date.now). */
  now?: () => number;
  randomBytes?: RandomBytes;
}

export interface CaSettings {
  trustDomain: string;
  caKeyType: KeyType;
  jwtKeyType: KeyType;
  caSubject: DistinguishedName;
  caTtlSeconds: number;
  defaultX509SvidTtlSeconds: number;
  defaultJwtSvidTtlSeconds: number;
  agentTtlSeconds: number;
  jwtIssuer: string | undefined;
}

/** Applies SPIRE's defaults and checks every setting. @throws CaError ERR_CA_INVALID_CONFIG naming the key. */
export function resolveSettings(options: CaManagerOptions): CaSettings {
  const invalid = (message: string): CaError => new CaError('ERR_CA_INVALID_CONFIG', message);
  try {
    TrustDomain.parse(options.trustDomain);
  } catch (err) {
    throw invalid(`trust_domain ${JSON.stringify(options.trustDomain)} is invalid: ${(err as Error).message}`);
  }
  const caKeyType = options.caKeyType ?? 'ec-p256';
  const jwtKeyType = options.jwtKeyType ?? caKeyType;
  for (const [name, type] of [['ca_key_type', caKeyType], ['jwt_key_type', jwtKeyType]] as const) {
    if (!KEY_TYPES.includes(type)) throw invalid(`${name} ${JSON.stringify(type)} must be one of ${KEY_TYPES.join(', ')}`);
  }
  const ttl = (name: string, value: number | undefined, fallback: number): number => {
    const resolved = value ?? fallback;
    if (!Number.isSafeInteger(resolved) || resolved <= 0) throw invalid(`${name} must be a positive whole number of seconds, got ${resolved}`);
    return resolved;
  };
  const defaultX509SvidTtlSeconds = ttl('default_x509_svid_ttl', options.defaultX509SvidTtlSeconds, 3600);
  const caSubject = options.caSubject ?? DEFAULT_CA_SUBJECT;
  try {
    encodeName(caSubject);
  } catch (err) {
    throw invalid(`ca_subject cannot be encoded: ${(err as Error).message}`);
  }
  return {
    trustDomain: options.trustDomain,
    caKeyType,
    jwtKeyType,
    caSubject,
    caTtlSeconds: ttl('ca_ttl', options.caTtlSeconds, 86_400),
    defaultX509SvidTtlSeconds,
    defaultJwtSvidTtlSeconds: ttl('default_jwt_svid_ttl', options.defaultJwtSvidTtlSeconds, 300),
    agentTtlSeconds: ttl('agent_ttl', options.agentTtlSeconds, defaultX509SvidTtlSeconds),
    jwtIssuer: options.jwtIssuer,
  };
}

