// TrustDomain, LocalAuthority, Debug and Logger (server), the agent's admin APIs and gRPC health
// (spire-compat.md §1.7-§1.9): requests and responses on the wire against the independent fact
// table, and the service descriptors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  agentdebugv1, agentloggerv1, debugv1, delegatedidentityv1, healthv1, localauthorityv1, loggerv1, trustdomainv1, types,
} from './index.js';
import { checkService, checkWire } from './testing/wire-check.js';

const id = (path: string): { trustDomain: string; path: string } => ({ trustDomain: 'example.org', path });
const status = { code: 6, message: 'already exists' };
const der = new Uint8Array([0x30, 0x03, 0x01]);

describe('TrustDomain API', () => {
  const relationship = {
    trustDomain: 'other.org',
    bundleEndpointUrl: 'https://other.org:8443',
    bundleEndpointProfile: { case: 'httpsSpiffe' as const, value: { endpointSpiffeId: 'spiffe://other.org/spire/server' } },
  };
  const mask = { bundleEndpointUrl: true, trustDomainBundle: true };

  it('requests and responses', () => {
    checkWire(trustdomainv1.ListFederationRelationshipsRequestSchema, { outputMask: mask, pageSize: 7, pageToken: 'p' });
    checkWire(trustdomainv1.ListFederationRelationshipsResponseSchema, {
      federationRelationships: [relationship], nextPageToken: 'n',
    });
    checkWire(trustdomainv1.GetFederationRelationshipRequestSchema, { trustDomain: 'other.org', outputMask: mask });
    checkWire(trustdomainv1.BatchCreateFederationRelationshipRequestSchema, {
      federationRelationships: [relationship], outputMask: mask,
    });
    checkWire(trustdomainv1.BatchCreateFederationRelationshipResponseSchema, {
      results: [{ status, federationRelationship: relationship }],
    });
    checkWire(trustdomainv1.BatchUpdateFederationRelationshipRequestSchema, {
      federationRelationships: [relationship], inputMask: { bundleEndpointProfile: true }, outputMask: mask,
    });
    checkWire(trustdomainv1.BatchDeleteFederationRelationshipRequestSchema, { trustDomains: ['x.org'] });
    checkWire(trustdomainv1.BatchDeleteFederationRelationshipResponseSchema, { results: [{ status, trustDomain: 'x.org' }] });
    checkWire(trustdomainv1.RefreshBundleRequestSchema, { trustDomain: 'other.org' });
  });

  it('service', () => {
    checkService(trustdomainv1.TrustDomain);
    assert.equal(trustdomainv1.TrustDomain.method.refreshBundle.output.typeName, 'google.protobuf.Empty');
  });
});

describe('LocalAuthority API', () => {
  const state = { authorityId: 'a1b2c3', expiresAt: 1_800_000_000n, upstreamAuthoritySubjectKeyId: 'ffee' };

  it('authority state and slot transitions', () => {
    checkWire(localauthorityv1.AuthorityStateSchema, state);
    checkWire(localauthorityv1.GetX509AuthorityStateResponseSchema, {
      active: state, prepared: { ...state, authorityId: 'p' }, old: { ...state, authorityId: 'o' },
    });
    checkWire(localauthorityv1.GetJWTAuthorityStateResponseSchema, { active: state, prepared: state, old: state });
    checkWire(localauthorityv1.PrepareJWTAuthorityResponseSchema, { preparedAuthority: state });
    checkWire(localauthorityv1.ActivateJWTAuthorityRequestSchema, { authorityId: 'kid-7' });
    checkWire(localauthorityv1.ActivateX509AuthorityResponseSchema, { activatedAuthority: state });
    checkWire(localauthorityv1.TaintX509AuthorityResponseSchema, { taintedAuthority: state });
    checkWire(localauthorityv1.RevokeWITAuthorityResponseSchema, { revokedAuthority: state });
    checkWire(localauthorityv1.TaintX509UpstreamAuthorityRequestSchema, { subjectKeyId: 'abcd' });
    checkWire(localauthorityv1.RevokeX509UpstreamAuthorityResponseSchema, { upstreamAuthoritySubjectKeyId: 'abcd' });
  });

  it('service has 17 unary RPCs', () => {
    checkService(localauthorityv1.LocalAuthority);
    assert.equal(localauthorityv1.LocalAuthority.methods.length, 17);
    assert.ok(localauthorityv1.LocalAuthority.methods.every((m) => m.methodKind === 'unary'));
  });
});

describe('Debug and Logger APIs', () => {
  const cert = { id: id('/spire/server'), expiresAt: 1_700_003_600n, subject: 'O=SPIRE,C=US' };

  it('server Debug.GetInfo', () => {
    checkWire(debugv1.GetInfoResponseSchema, {
      svidChain: [cert, { ...cert, subject: 'O=SPIFFE' }], uptime: 3601, agentsCount: 12, federatedBundlesCount: 2,
      entriesCount: 345,
    });
    checkService(debugv1.Debug);
    assert.equal(debugv1.Debug.typeName, 'spire.api.server.debug.v1.Debug');
  });

  it('agent Debug.GetInfo lives in spire.agent.debug.v1 (no api segment)', () => {
    checkWire(agentdebugv1.GetInfoResponseSchema, {
      svidChain: [cert], uptime: 61, svidsCount: 4, lastSyncSuccess: 1_700_000_005n, cachedX509SvidsCount: 5,
      cachedJwtSvidsCount: 6, cachedSvidstoreX509SvidsCount: 7,
    });
    checkService(agentdebugv1.Debug);
    assert.equal(`/${agentdebugv1.Debug.typeName}/GetInfo`, '/spire.agent.debug.v1.Debug/GetInfo');
  });

  it('server and agent Logger', () => {
    for (const [pkg, schema] of [[loggerv1, loggerv1.SetLogLevelRequestSchema], [agentloggerv1, agentloggerv1.SetLogLevelRequestSchema]] as const) {
      checkWire(schema, { newLevel: types.LogLevel.TRACE });
      checkService(pkg.Logger);
      assert.equal(pkg.Logger.method.resetLogLevel.output.typeName, 'spire.api.types.Logger');
    }
    assert.equal(agentloggerv1.Logger.typeName, 'spire.api.agent.logger.v1.Logger');
  });
});

describe('DelegatedIdentity API', () => {
  it('requests and responses', () => {
    const selectors = [{ type: 'k8s', value: 'pod-uid:1' }];
    checkWire(delegatedidentityv1.SubscribeToX509SVIDsRequestSchema, { selectors, pid: 4242 });
    checkWire(delegatedidentityv1.SubscribeToX509SVIDsResponseSchema, {
      x509Svids: [{ x509Svid: { certChain: [der], id: id('/w') }, x509SvidKey: der }], federatesWith: ['o.org'],
    });
    checkWire(delegatedidentityv1.SubscribeToX509BundlesResponseSchema, { caCertificates: { 'spiffe://example.org': der } });
    checkWire(delegatedidentityv1.FetchJWTSVIDsRequestSchema, { audience: ['a'], selectors, pid: 7 });
    checkWire(delegatedidentityv1.FetchJWTSVIDsResponseSchema, { svids: [{ token: 't', id: id('/w') }] });
    checkWire(delegatedidentityv1.SubscribeToJWTBundlesResponseSchema, { bundles: { 'spiffe://example.org': der } });
  });

  it('service: three server streams and one unary', () => {
    checkService(delegatedidentityv1.DelegatedIdentity);
    assert.equal(delegatedidentityv1.DelegatedIdentity.method.subscribeToX509SVIDs.methodKind, 'server_streaming');
    assert.equal(delegatedidentityv1.DelegatedIdentity.method.fetchJWTSVIDs.methodKind, 'unary');
  });
});

describe('grpc.health.v1', () => {
  it('Check, Watch and List messages', () => {
    checkWire(healthv1.HealthCheckRequestSchema, { service: 'spire-server' });
    checkWire(healthv1.HealthCheckResponseSchema, { status: healthv1.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN });
    checkWire(healthv1.HealthListResponseSchema, {
      statuses: {
        '': { status: healthv1.HealthCheckResponse_ServingStatus.SERVING },
        other: { status: healthv1.HealthCheckResponse_ServingStatus.NOT_SERVING },
      },
    });
  });

  it('service: Watch is a server stream', () => {
    checkService(healthv1.Health);
    assert.equal(healthv1.Health.method.watch.methodKind, 'server_streaming');
    assert.equal(`/${healthv1.Health.typeName}/${healthv1.Health.method.check.name}`, '/grpc.health.v1.Health/Check');
  });
});
