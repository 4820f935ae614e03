import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { types } from '@tspire/proto';
import type { AttestedNode, RegistrationEntry } from '../datastore/types.js';
import { AgentDenialReason, type RoleResolution, type RoleResolver } from './authorization.js';
import type { CallerContext, TlsPeer } from './caller.js';
import type { AuthorizedEntriesView } from './deps.js';
import { createTcpRoleResolver } from './roles.js';
import { START_SECONDS, TD_ID, withApi, type ApiFixture } from './testing/fixture.test-helper.js';

const AGENT_ID = `${TD_ID}/spire/agent/join_token/abc`;
const ADMIN_ID = 'spiffe://other.org/ops';

function entry(spiffeId: string, flags: Partial<Pick<RegistrationEntry, 'admin' | 'downstream'>>): RegistrationEntry {
  return {
    id: `id-${spiffeId}`, spiffeId, parentId: `${TD_ID}/spire/server`, selectors: [{ type: 't', value: 'v' }], x509SvidTtl: 0, jwtSvidTtl: 0,
    federatesWith: [], admin: false, downstream: false, expiresAt: 0, dnsNames: [], revisionNumber: 0, storeSvid: false, hint: '',
    createdAt: 0, disableX509SvidPrefetch: false, jwtSvidIncludeJti: false, ...flags,
  };
}

function entriesView(entries: RegistrationEntry[]): Pick<AuthorizedEntriesView, 'entriesBySpiffeId'> {
  return { entriesBySpiffeId: (id) => entries.filter((e) => e.spiffeId === id) };
}

const tls = (peer?: Partial<TlsPeer> & { spiffeId: string }): CallerContext => ({
  kind: 'tls', remoteAddress: '10.0.0.7',
  ...(peer === undefined ? {} : { peer: { serialNumber: '100', notAfter: START_SECONDS + 3600, ...peer } }),
});

function node(fields: Partial<AttestedNode> = {}): AttestedNode {
  return {
    spiffeId: AGENT_ID, attestationType: 'join_token', certSerialNumber: '100', certNotAfter: START_SECONDS + 3600,
    newCertSerialNumber: '', newCertNotAfter: 0, canReattest: false, agentVersion: '', ...fields,
  };
}

function resolverFor(f: ApiFixture, entries: RegistrationEntry[] = []) {
  return createTcpRoleResolver({ adminIds: [ADMIN_ID], authorizedEntries: entriesView(entries), datastore: f.ds, clock: f.clock, logger: f.logger });
}

const rolesOf = (resolution: unknown) => [...(resolution as RoleResolution).roles].sort();

describe('createTcpRoleResolver', () => {
  it('grants admin from admin_ids or an admin entry, downstream from a downstream entry, nothing without a certificate', () => withApi(async (f) => {
    const resolve = resolverFor(f, [entry(`${TD_ID}/admin`, { admin: true }), entry(`${TD_ID}/ds`, { downstream: true }), entry(`${TD_ID}/plain`, {})]);
    assert.deepEqual(rolesOf(await resolve(tls({ spiffeId: ADMIN_ID }), ['admin'])), ['admin']);
    assert.deepEqual(rolesOf(await resolve(tls({ spiffeId: `${TD_ID}/admin` }), ['admin'])), ['admin']);
    assert.deepEqual(rolesOf(await resolve(tls({ spiffeId: `${TD_ID}/ds` }), ['downstream'])), ['downstream']);
    assert.deepEqual(rolesOf(await resolve(tls({ spiffeId: `${TD_ID}/plain` }), ['local', 'admin'])), []);
    assert.deepEqual(rolesOf(await resolve(tls(), ['agent'])), []);
    assert.deepEqual(rolesOf(await resolve({ kind: 'local' }, ['local'])), ['local']);
    assert.deepEqual(rolesOf(await resolve({ kind: 'unknown' }, ['agent'])), []);
  }));

  it('grants agent to the current serial and reports why the check failed otherwise', () => withApi(async (f) => {
    const resolve = resolverFor(f);
    const agent = tls({ spiffeId: AGENT_ID });
    assert.deepEqual(await resolve(agent, ['agent']), { roles: new Set(), agentDenied: AgentDenialReason.AGENT_NOT_ATTESTED });
    await f.ds.createAttestedNode(node());
    assert.deepEqual(rolesOf(await resolve(agent, ['agent'])), ['agent']);
    assert.deepEqual(await resolve(tls({ spiffeId: AGENT_ID, serialNumber: '99' }), ['agent']), { roles: new Set(), agentDenied: AgentDenialReason.AGENT_NOT_ACTIVE });
    f.clock.advance(3601);
    assert.deepEqual(await resolve(agent, ['agent']), { roles: new Set(), agentDenied: AgentDenialReason.AGENT_EXPIRED });
    await f.ds.updateAttestedNode(node({ certSerialNumber: '' }), ['certSerialNumber']);
    assert.deepEqual(await resolve(tls({ spiffeId: AGENT_ID, notAfter: START_SECONDS + 7200 }), ['agent']), { roles: new Set(), agentDenied: AgentDenialReason.AGENT_BANNED });
    assert.ok(f.logger.lines.some((l) => l.level === 'warn' && l.msg === 'Agent is banned' && l.fields['agent_id'] === AGENT_ID));
  }));

  it('accepts the new serial issued by RenewAgent and promotes it to current', () => withApi(async (f) => {
    await f.ds.createAttestedNode(node({ newCertSerialNumber: '200', newCertNotAfter: START_SECONDS + 7200, agentVersion: '1.2.3' }));
    const resolve = resolverFor(f);
    assert.deepEqual(rolesOf(await resolve(tls({ spiffeId: AGENT_ID, serialNumber: '200' }), ['agent'])), ['agent']);
    const stored = await f.ds.fetchAttestedNode(AGENT_ID);
    assert.deepEqual(stored && { ...stored, selectors: undefined }, { ...node({ certSerialNumber: '200', certNotAfter: START_SECONDS + 7200, agentVersion: '1.2.3' }), selectors: undefined });
    // the old serial is retired by the promotion
    assert.deepEqual(await resolve(tls({ spiffeId: AGENT_ID, serialNumber: '100' }), ['agent']), { roles: new Set(), agentDenied: AgentDenialReason.AGENT_NOT_ACTIVE });
  }));

  it('skips the agent check when the method does not take agents or another role already suffices', () => withApi(async (f) => {
    let lookups = 0;
    const fetch = f.ds.fetchAttestedNode.bind(f.ds);
    f.ds.fetchAttestedNode = async (...args) => { lookups += 1; return fetch(...args); };
    const resolve = resolverFor(f, [entry(`${TD_ID}/admin`, { admin: true })]);
    await resolve(tls({ spiffeId: AGENT_ID }), ['local', 'admin']);
    await resolve(tls({ spiffeId: `${TD_ID}/admin` }), ['local', 'admin', 'agent']);
    assert.equal(lookups, 0);
    await resolve(tls({ spiffeId: AGENT_ID }), ['local', 'admin', 'agent']);
    assert.equal(lookups, 1);
  }));

  it('fails the call (not the agent) when the datastore cannot be read', () => withApi(async (f) => {
    f.ds.fetchAttestedNode = async () => { throw new Error('disk on fire'); };
    await assert.rejects(resolverFor(f)(tls({ spiffeId: AGENT_ID }), ['agent']), /unable to look up agent information/);
  }));
});

/** The fixture takes its resolver before it builds the datastore: bind the real one later. */
function lateResolver(): { resolver: RoleResolver; bind(f: ApiFixture): void } {
  let inner: RoleResolver | undefined;
  return {
    resolver: (caller, wanted) => {
      assert.ok(inner, 'resolver not bound');
      return inner(caller, wanted);
    },
    bind: (f) => { inner = resolverFor(f); },
  };
}

describe('authorizationInterceptor with the TCP resolver', () => {
  const agentCaller = tls({ spiffeId: AGENT_ID });

  const deniedWith = (method: string, reason: types.PermissionDeniedDetails_Reason | undefined) => (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.PermissionDenied);
    assert.equal(err.rawMessage, `authorization denied for method ${method}`);
    assert.deepEqual(err.findDetails(types.PermissionDeniedDetailsSchema).map((d) => d.reason), reason === undefined ? [] : [reason]);
    return true;
  };

  it('denies an agent-only method with PermissionDeniedDetails when the agent check fails, other methods without', () => {
    const late = lateResolver();
    return withApi(async (f) => {
      late.bind(f);
      await f.ds.createAttestedNode(node({ certSerialNumber: '' }));
      await assert.rejects(f.agent.postStatus({}), deniedWith('/spire.api.server.agent.v1.Agent/PostStatus', AgentDenialReason.AGENT_BANNED));
      await assert.rejects(f.entry.countEntries({}), deniedWith('/spire.api.server.entry.v1.Entry/CountEntries', undefined));
    }, { caller: agentCaller, resolveRoles: late.resolver });
  });

  it('lets a valid agent through to a method that takes agents', () => {
    const late = lateResolver();
    return withApi(async (f) => {
      late.bind(f);
      await f.ds.createAttestedNode(node());
      // GetFederatedBundle takes local, admin or agent: this answer comes from the handler
      await assert.rejects(f.bundle.getFederatedBundle({ trustDomain: 'fed.org' }), (err: unknown) =>
        err instanceof ConnectError && err.code === Code.NotFound && err.rawMessage === 'bundle not found');
    }, { caller: agentCaller, resolveRoles: late.resolver });
  });

  it('still accepts resolvers that return a plain set (admin socket)', () => withApi(async (f) => {
    assert.equal((await f.entry.countEntries({})).count, 0);
    await assert.rejects(f.agent.postStatus({}), deniedWith('/spire.api.server.agent.v1.Agent/PostStatus', undefined));
  }));
});
