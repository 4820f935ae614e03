// Roles of callers on the TCP endpoint, as SPIRE decides them. A TLS caller's identity is the
// verified client X509-SVID only (TlsPeer); from it:
//   admin      = ID listed in admin_ids, or any entry with that SPIFFE ID and admin=true
//   downstream = any entry with that SPIFFE ID and downstream=true
//   agent      = the agent check below, which may promote a renewed agent's new serial
// Callers of the admin socket are `local`; callers without a certificate hold no role.
import type { DataStore } from '../datastore/datastore.js';
import type { AttestedNode, NodeField } from '../datastore/types.js';
import { AgentDenialReason, type CallerRole, type RoleResolution, type RoleResolver } from './authorization.js';
import type { TlsPeer } from './caller.js';
import type { ApiClock, ApiLogger, AuthorizedEntriesView } from './deps.js';
import { withContext } from './errors.js';

export interface TcpRoleResolverOptions {
  /** admin_ids from the server config: SPIFFE IDs (any trust domain) granted admin */
  adminIds: readonly string[];
  authorizedEntries: Pick<AuthorizedEntriesView, 'entriesBySpiffeId'>;
  datastore: Pick<DataStore, 'fetchAttestedNode' | 'updateAttestedNode'>;
  clock: ApiClock;
  logger?: ApiLogger;
}

/** What the agent check concluded: ok, or the PermissionDeniedDetails reason. */
export type AgentCheck = { ok: true } | { ok: false; reason: AgentDenialReason };

const ALL_ROLES: readonly CallerRole[] = ['local', 'admin', 'downstream', 'agent'];
const PROMOTION_MASK: readonly NodeField[] = ['certSerialNumber', 'certNotAfter', 'newCertSerialNumber', 'newCertNotAfter'];

/**
 * @example
 * const resolveRoles = createTcpRoleResolver({ adminIds, authorizedEntries, datastore, clock });
 * startTcpEndpoint({ ..., resolveRoles });
 */
export function createTcpRoleResolver(options: TcpRoleResolverOptions): RoleResolver {
  const adminIds = new Set(options.adminIds);
  const checkAgent = createAgentCheck(options);
  return async (caller, wanted = ALL_ROLES): Promise<RoleResolution> => {
    if (caller.kind === 'local') return { roles: new Set<CallerRole>(['local']) };
    if (caller.kind !== 'tls' || caller.peer === undefined) return { roles: new Set() };
    const peer = caller.peer;
    const roles = new Set<CallerRole>();
    const entries = options.authorizedEntries.entriesBySpiffeId(peer.spiffeId);
    if (adminIds.has(peer.spiffeId) || entries.some((entry) => entry.admin)) roles.add('admin');
    if (entries.some((entry) => entry.downstream)) roles.add('downstream');
    // The agent check reads (and may write) the datastore: only when it can still matter.
    if (!wanted.includes('agent') || wanted.some((role) => roles.has(role))) return { roles };
    const agent = await checkAgent(peer);
    if (agent.ok) {
      roles.add('agent');
      return { roles };
    }
    return { roles, agentDenied: agent.reason };
  };
}

/**
 * The agent check (SPIRE's agent authorizer): the SVID has not expired, an attested-node record
 * exists, it is not banned (empty serial), and the SVID's serial is the current one, or the new
 * one issued by RenewAgent, which is then promoted to current.
 */
export function createAgentCheck(options: Pick<TcpRoleResolverOptions, 'datastore' | 'clock' | 'logger'>): (peer: TlsPeer) => Promise<AgentCheck> {
  const { datastore, clock, logger } = options;
  const deny = (reason: AgentDenialReason, msg: string, peer: TlsPeer, fields: Record<string, unknown> = {}): AgentCheck => {
    logger?.warn(msg, { agent_id: peer.spiffeId, svid_serial_number: peer.serialNumber, ...fields });
    return { ok: false, reason };
  };
  return async (peer) => {
    if (clock.nowMs() > peer.notAfter * 1000) return deny(AgentDenialReason.AGENT_EXPIRED, 'Agent SVID is expired', peer);
    let node: AttestedNode | null;
    try {
      node = await datastore.fetchAttestedNode(peer.spiffeId);
    } catch (err) {
      throw withContext('unable to look up agent information', err);
    }
    if (node === null) return deny(AgentDenialReason.AGENT_NOT_ATTESTED, 'Agent is not attested', peer);
    if (node.certSerialNumber === '') return deny(AgentDenialReason.AGENT_BANNED, 'Agent is banned', peer);
    if (node.certSerialNumber === peer.serialNumber) return { ok: true };
    if (node.newCertSerialNumber !== '' && node.newCertSerialNumber === peer.serialNumber) {
      await promoteNewSerial(datastore, node);
      logger?.debug('Activated the new agent SVID', { agent_id: peer.spiffeId, svid_serial_number: peer.serialNumber });
      return { ok: true };
    }
    return deny(AgentDenialReason.AGENT_NOT_ACTIVE, 'Agent SVID is not active', peer, { serial_number: node.certSerialNumber });
  };
}

/** The SVID issued by RenewAgent is in use: it becomes current and the "new" slot empties. */
async function promoteNewSerial(datastore: TcpRoleResolverOptions['datastore'], node: AttestedNode): Promise<void> {
  const promoted: AttestedNode = {
    ...node,
    certSerialNumber: node.newCertSerialNumber,
    certNotAfter: node.newCertNotAfter,
    newCertSerialNumber: '',
    newCertNotAfter: 0,
  };
  try {
    await datastore.updateAttestedNode(promoted, PROMOTION_MASK);
  } catch (err) {
    throw withContext('unable to activate the new agent SVID', err);
  }
}
