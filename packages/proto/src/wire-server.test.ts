// SPIRE server Entry, Agent, SVID and Bundle APIs (spire-compat.md §1.3-§1.6): requests and
// responses on the wire against the independent fact table, and the service descriptors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DescService } from '@bufbuild/protobuf';
import { agentv1, bundlev1, entryv1, svidv1, types } from './index.js';
import { checkService, checkWire } from './testing/wire-check.js';

const id = (path: string): { trustDomain: string; path: string } => ({ trustDomain: 'example.org', path });
const entry = {
  id: 'e1', spiffeId: id('/web'), parentId: id('/agent'), selectors: [{ type: 'unix', value: 'uid:0' }],
  x509SvidTtl: 60, revisionNumber: 3n, hint: 'h',
};
const status = { code: 6, message: 'similar entry already exists' };
const csr = new Uint8Array([0x30, 0x81, 0x9a]);
const paths = (service: DescService): string[] => service.methods.map((m) => `/${service.typeName}/${m.name}`);

describe('Entry API', () => {
  it('Count/List filters with wrappers and matches', () => {
    const filter = {
      bySpiffeId: id('/web'),
      byParentId: id('/agent'),
      bySelectors: { selectors: [{ type: 'k8s', value: 'ns:a' }], match: types.SelectorMatch_MatchBehavior.MATCH_SUBSET },
      byFederatesWith: { trustDomains: ['x.org'], match: types.FederatesWithMatch_MatchBehavior.MATCH_EXACT },
      byHint: 'hint-filter',
      byDownstream: true,
    };
    checkWire(entryv1.CountEntriesRequestSchema, { filter });
    checkWire(entryv1.CountEntriesResponseSchema, { count: 1234 });
    checkWire(entryv1.ListEntriesRequestSchema, {
      filter, outputMask: { spiffeId: true, hint: true }, pageSize: 50, pageToken: '1001',
    });
    checkWire(entryv1.ListEntriesResponseSchema, { entries: [entry], nextPageToken: '1051' });
    checkWire(entryv1.GetEntryRequestSchema, { id: 'e1', outputMask: { admin: true } });
  });

  it('batch create, update and delete', () => {
    checkWire(entryv1.BatchCreateEntryRequestSchema, { entries: [entry], outputMask: { selectors: true } });
    checkWire(entryv1.BatchCreateEntryResponseSchema, { results: [{ status, entry }] });
    checkWire(entryv1.BatchUpdateEntryRequestSchema, {
      entries: [entry], inputMask: { hint: true }, outputMask: { revisionNumber: true },
    });
    checkWire(entryv1.BatchUpdateEntryResponseSchema, { results: [{ status, entry }] });
    checkWire(entryv1.BatchDeleteEntryRequestSchema, { ids: ['e1', 'e2'] });
    checkWire(entryv1.BatchDeleteEntryResponseSchema, { results: [{ status: { code: 5, message: 'entry not found' }, id: 'e2' }] });
  });

  it('authorized entries and the sync stream', () => {
    checkWire(entryv1.GetAuthorizedEntriesRequestSchema, { outputMask: { spiffeId: true } });
    checkWire(entryv1.GetAuthorizedEntriesResponseSchema, { entries: [entry] });
    checkWire(entryv1.SyncAuthorizedEntriesRequestSchema, { outputMask: { revisionNumber: true }, ids: ['a', 'b'] });
    checkWire(entryv1.SyncAuthorizedEntriesResponseSchema, {
      entryRevisions: [{ id: 'a', revisionNumber: 9n, createdAt: 1_700_000_000n }], entries: [entry], more: true,
    });
    checkWire(entryv1.EntryRevisionSchema, { id: 'z', revisionNumber: 10n, createdAt: 5n });
  });

  it('service: methods, paths, SyncAuthorizedEntries is a bidi stream', () => {
    checkService(entryv1.Entry);
    assert.ok(paths(entryv1.Entry).includes('/spire.api.server.entry.v1.Entry/BatchCreateEntry'));
    assert.equal(entryv1.Entry.method.syncAuthorizedEntries.methodKind, 'bidi_streaming');
    assert.equal(entryv1.Entry.method.getEntry.output.typeName, 'spire.api.types.Entry');
  });
});

describe('Agent API', () => {
  it('list, count, get, delete, ban', () => {
    const filter = {
      byAttestationType: 'x509pop',
      bySelectorMatch: { selectors: [{ type: 'x509pop', value: 'ca:1' }], match: types.SelectorMatch_MatchBehavior.MATCH_ANY },
      byBanned: true,
      byCanReattest: false,
      byExpiresBefore: '2030-01-02 15:04:05 +0000 UTC',
    };
    checkWire(agentv1.CountAgentsRequestSchema, { filter });
    checkWire(agentv1.CountAgentsResponseSchema, { count: 77 });
    checkWire(agentv1.ListAgentsRequestSchema, { filter, outputMask: { banned: true }, pageSize: 10, pageToken: 'p' });
    checkWire(agentv1.ListAgentsResponseSchema, { agents: [{ id: id('/spire/agent/a'), banned: true }], nextPageToken: 'q' });
    checkWire(agentv1.GetAgentRequestSchema, { id: id('/spire/agent/a'), outputMask: { agentVersion: true } });
    checkWire(agentv1.DeleteAgentRequestSchema, { id: id('/spire/agent/del') });
    checkWire(agentv1.BanAgentRequestSchema, { id: id('/spire/agent/ban') });
  });

  it('AttestAgentRequest and AttestAgentResponse oneofs, each step', () => {
    checkWire(
      agentv1.AttestAgentRequestSchema,
      {
        step: {
          case: 'params',
          value: { data: { type: 'join_token', payload: new Uint8Array([0x74, 0x6f]) }, params: { csr } },
        },
      },
      { step: { case: 'challengeResponse', value: new Uint8Array([0xc1, 0xc2]) } },
    );
    checkWire(
      agentv1.AttestAgentResponseSchema,
      {
        step: {
          case: 'result',
          value: { svid: { certChain: [csr], id: id('/spire/agent/join_token/t'), expiresAt: 99n }, reattestable: true },
        },
      },
      { step: { case: 'challenge', value: new Uint8Array([0xca, 0xfe]) } },
    );
    checkWire(agentv1.AttestAgentRequest_ParamsSchema, { data: { type: 'x509pop', payload: csr }, params: { csr } });
  });

  it('renew, join token, status', () => {
    checkWire(agentv1.AgentX509SVIDParamsSchema, { csr });
    checkWire(agentv1.RenewAgentRequestSchema, { params: { csr } });
    checkWire(agentv1.RenewAgentResponseSchema, { svid: { certChain: [csr], hint: 'r' } });
    checkWire(agentv1.CreateJoinTokenRequestSchema, { ttl: 600, token: 'custom', agentId: id('/node-1') });
    checkWire(agentv1.PostStatusRequestSchema, { currentBundleSerial: 2n ** 64n - 1n, agentVersion: '1.15.3' });
  });

  it('service: AttestAgent is a bidi stream; Delete/Ban return Empty', () => {
    checkService(agentv1.Agent);
    assert.equal(agentv1.Agent.method.attestAgent.methodKind, 'bidi_streaming');
    assert.equal(agentv1.Agent.method.deleteAgent.output.typeName, 'google.protobuf.Empty');
    assert.ok(paths(agentv1.Agent).includes('/spire.api.server.agent.v1.Agent/AttestAgent'));
  });
});

describe('SVID API', () => {
  it('mint and new SVIDs', () => {
    checkWire(svidv1.MintX509SVIDRequestSchema, { csr, ttl: 3600 });
    checkWire(svidv1.MintX509SVIDResponseSchema, { svid: { certChain: [csr], id: id('/m') } });
    checkWire(svidv1.MintJWTSVIDRequestSchema, { id: id('/m'), audience: ['a1', 'a2'], ttl: 300 });
    checkWire(svidv1.MintJWTSVIDResponseSchema, { svid: { token: 't', issuedAt: 1n } });
    checkWire(svidv1.MintWITSVIDRequestSchema, { id: id('/w'), publicKey: csr, ttl: 30, signingAlgorithm: 'ES256' });
    checkWire(svidv1.BatchNewX509SVIDRequestSchema, { params: [{ entryId: 'e1', csr }, { entryId: 'e2', csr }] });
    checkWire(svidv1.BatchNewX509SVIDResponseSchema, { results: [{ status, svid: { certChain: [csr] } }] });
    checkWire(svidv1.NewJWTSVIDRequestSchema, { entryId: 'e9', audience: ['aud'] });
    checkWire(svidv1.NewJWTSVIDResponseSchema, { svid: { token: 'tok', expiresAt: 2n } });
    checkWire(svidv1.BatchNewWITSVIDRequestSchema, { params: [{ entryId: 'e3', publicKey: csr, signingAlgorithm: 'ES384' }] });
  });

  it('downstream CA', () => {
    checkWire(svidv1.NewDownstreamX509CARequestSchema, { csr, preferredTtl: 86400 });
    checkWire(svidv1.NewDownstreamX509CAResponseSchema, { caCertChain: [csr, csr], x509Authorities: [csr] });
  });

  it('service', () => {
    checkService(svidv1.SVID);
    assert.ok(paths(svidv1.SVID).includes('/spire.api.server.svid.v1.SVID/BatchNewX509SVID'));
  });
});

describe('Bundle API', () => {
  const key = { publicKey: csr, keyId: 'k1', expiresAt: 10n, tainted: true };
  const bundle = { trustDomain: 'other.org', x509Authorities: [{ asn1: csr }], sequenceNumber: 4n };

  it('own bundle: get, append, publish', () => {
    checkWire(bundlev1.CountBundlesResponseSchema, { count: 3 });
    checkWire(bundlev1.GetBundleRequestSchema, { outputMask: { jwtAuthorities: true } });
    checkWire(bundlev1.AppendBundleRequestSchema, {
      x509Authorities: [{ asn1: csr, tainted: true }], jwtAuthorities: [key],
      outputMask: { x509Authorities: true }, witAuthorities: [{ ...key, keyId: 'w1' }],
    });
    checkWire(bundlev1.PublishJWTAuthorityRequestSchema, { jwtAuthority: key });
    checkWire(bundlev1.PublishJWTAuthorityResponseSchema, { jwtAuthorities: [key, { ...key, keyId: 'k2' }] });
    checkWire(bundlev1.PublishWITAuthorityRequestSchema, { witAuthority: key });
  });

  it('federated bundles: list, get, batch create/update/set/delete', () => {
    checkWire(bundlev1.ListFederatedBundlesRequestSchema, { outputMask: { refreshHint: true }, pageSize: 5, pageToken: 't' });
    checkWire(bundlev1.ListFederatedBundlesResponseSchema, { bundles: [bundle], nextPageToken: 'u' });
    checkWire(bundlev1.GetFederatedBundleRequestSchema, { trustDomain: 'other.org', outputMask: { sequenceNumber: true } });
    checkWire(bundlev1.BatchCreateFederatedBundleRequestSchema, { bundle: [bundle], outputMask: { x509Authorities: true } });
    checkWire(bundlev1.BatchUpdateFederatedBundleRequestSchema, {
      bundle: [bundle], inputMask: { refreshHint: true }, outputMask: { jwtAuthorities: true },
    });
    checkWire(bundlev1.BatchSetFederatedBundleResponseSchema, { results: [{ status, bundle }] });
    checkWire(bundlev1.BatchDeleteFederatedBundleRequestSchema, {
      trustDomains: ['a.org', 'b.org'], mode: bundlev1.BatchDeleteFederatedBundleRequest_Mode.DISSOCIATE,
    });
    checkWire(bundlev1.BatchDeleteFederatedBundleResponseSchema, { results: [{ status, trustDomain: 'a.org' }] });
  });

  it('service', () => {
    checkService(bundlev1.Bundle);
    assert.equal(bundlev1.Bundle.method.getBundle.output.typeName, 'spire.api.types.Bundle');
  });
});
