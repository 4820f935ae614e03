// spire.api.types messages on the wire (spire-compat.md §1.2), checked against the independent
// fact table with every field set to a distinctive value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { types } from './index.js';
import { checkWire, readTags } from './testing/wire-check.js';

const id = (path: string): { trustDomain: string; path: string } => ({ trustDomain: 'example.org', path });
const selectors = [{ type: 'unix', value: 'uid:1000' }, { type: 'k8s', value: 'ns:prod' }];

/** An Entry with all 16 fields set, each to a value no other field has. */
const fullEntry = {
  id: 'entry-0001',
  spiffeId: id('/web'),
  parentId: id('/spire/agent/join_token/t1'),
  selectors,
  x509SvidTtl: 3600,
  federatesWith: ['other.org', 'third.org'],
  admin: true,
  downstream: true,
  expiresAt: 1_900_000_000n,
  dnsNames: ['web.example.org', 'www.example.org'],
  revisionNumber: 42n,
  storeSvid: true,
  jwtSvidTtl: 300,
  hint: 'external',
  createdAt: 1_700_000_000n,
  additionalAttributes: { disableX509SvidPrefetch: true, jwtSvidIncludeJti: true },
};

describe('spire.api.types messages', () => {
  it('SPIFFEID and Selector', () => {
    checkWire(types.SPIFFEIDSchema, id('/spire/server'));
    checkWire(types.SelectorSchema, { type: 'docker', value: 'label:app:web' });
  });

  it('SelectorMatch and FederatesWithMatch', () => {
    checkWire(types.SelectorMatchSchema, { selectors, match: types.SelectorMatch_MatchBehavior.MATCH_SUPERSET });
    checkWire(types.FederatesWithMatchSchema, {
      trustDomains: ['a.org', 'b.org'],
      match: types.FederatesWithMatch_MatchBehavior.MATCH_ANY,
    });
  });

  it('Entry with all 16 fields', () => {
    assert.equal(types.EntrySchema.fields.length, 16);
    checkWire(types.EntrySchema, fullEntry);
    checkWire(types.Entry_AdditionalAttributesSchema, { disableX509SvidPrefetch: true, jwtSvidIncludeJti: true });
  });

  it('Entry field numbers on the wire, read tag by tag', () => {
    const bytes = toBinary(types.EntrySchema, create(types.EntrySchema, fullEntry));
    const numbers = [...new Set(readTags(bytes).map(([n]) => n))];
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('EntryMask: one bool per Entry field 2..16', () => {
    const mask = create(types.EntryMaskSchema, {
      spiffeId: true, parentId: true, selectors: true, x509SvidTtl: true, federatesWith: true, admin: true,
      downstream: true, expiresAt: true, dnsNames: true, revisionNumber: true, storeSvid: true, jwtSvidTtl: true,
      hint: true, createdAt: true, additionalAttributes: true,
    });
    checkWire(types.EntryMaskSchema, mask);
    const tags = readTags(toBinary(types.EntryMaskSchema, mask));
    assert.deepEqual(tags, Array.from({ length: 15 }, (_, i) => [i + 2, 0]));
  });

  it('Agent and AgentMask', () => {
    checkWire(types.AgentSchema, {
      id: id('/spire/agent/x509pop/abc'),
      attestationType: 'x509pop',
      x509svidSerialNumber: '123456789012345678901234567890',
      x509svidExpiresAt: 1_800_000_000n,
      selectors,
      banned: true,
      canReattest: true,
      agentVersion: '1.15.3',
    });
    checkWire(types.AgentMaskSchema, {
      attestationType: true, x509svidSerialNumber: true, x509svidExpiresAt: true, selectors: true,
      banned: true, canReattest: true, agentVersion: true,
    });
  });

  it('AttestationData, X509SVID, JWTSVID, WITSVID, JoinToken', () => {
    checkWire(types.AttestationDataSchema, { type: 'join_token', payload: new TextEncoder().encode('tok') });
    checkWire(types.X509SVIDSchema, {
      certChain: [new Uint8Array([0x30, 1]), new Uint8Array([0x30, 2])], id: id('/a'), expiresAt: 17n, hint: 'x',
    });
    const jwt = { token: 'h.p.s', id: id('/b'), expiresAt: 1_700_000_300n, issuedAt: 1_700_000_000n, hint: 'j' };
    checkWire(types.JWTSVIDSchema, jwt);
    checkWire(types.WITSVIDSchema, jwt);
    checkWire(types.JoinTokenSchema, { value: 'f0e1d2c3', expiresAt: 1_700_000_600n });
  });

  it('Bundle, X509Certificate, JWTKey, WITKey and BundleMask', () => {
    const cert = { asn1: new Uint8Array([0x30, 0x82, 0x01]), tainted: true };
    const key = { publicKey: new Uint8Array([0x30, 0x59]), keyId: 'kid-1', expiresAt: 1_800_000_000n, tainted: true };
    checkWire(types.X509CertificateSchema, cert);
    checkWire(types.JWTKeySchema, key);
    checkWire(types.WITKeySchema, { ...key, keyId: 'wit-1' });
    checkWire(types.BundleSchema, {
      trustDomain: 'example.org',
      x509Authorities: [cert, { asn1: new Uint8Array([0x30, 0x02]), tainted: false }],
      jwtAuthorities: [key],
      refreshHint: 300n,
      sequenceNumber: 2n ** 63n + 11n, // only representable as uint64
      witAuthorities: [{ ...key, keyId: 'wit-2' }],
    });
    checkWire(types.BundleMaskSchema, {
      x509Authorities: true, jwtAuthorities: true, refreshHint: true, sequenceNumber: true, witAuthorities: true,
    });
  });

  it('Status and PermissionDeniedDetails', () => {
    checkWire(types.StatusSchema, { code: 5, message: 'entry not found' });
    checkWire(types.PermissionDeniedDetailsSchema, {
      reason: types.PermissionDeniedDetails_Reason.AGENT_MUST_REATTEST,
    });
  });

  it('FederationRelationship with each bundle endpoint profile, and its mask', () => {
    const base = {
      trustDomain: 'other.org',
      bundleEndpointUrl: 'https://other.org/bundle',
      trustDomainBundle: { trustDomain: 'other.org', refreshHint: 60n },
    };
    checkWire(
      types.FederationRelationshipSchema,
      { ...base, bundleEndpointProfile: { case: 'httpsWeb', value: {} } },
      {
        ...base,
        bundleEndpointProfile: { case: 'httpsSpiffe', value: { endpointSpiffeId: 'spiffe://other.org/bundle' } },
      },
    );
    checkWire(types.HTTPSSPIFFEProfileSchema, { endpointSpiffeId: 'spiffe://other.org/ep' });
    checkWire(types.FederationRelationshipMaskSchema, {
      bundleEndpointUrl: true, bundleEndpointProfile: true, trustDomainBundle: true,
    });
  });

  it('Logger with LogLevel values', () => {
    checkWire(types.LoggerSchema, { currentLevel: types.LogLevel.DEBUG, launchLevel: types.LogLevel.WARN });
    assert.equal(types.LogLevel.TRACE, 7);
    assert.equal(types.LogLevel.PANIC, 1);
  });

  it('encodes SPIFFEID to the bytes the fact sheet implies', () => {
    const bytes = toBinary(types.SPIFFEIDSchema, create(types.SPIFFEIDSchema, id('/web')));
    const text = (s: string): string => Buffer.from(s).toString('hex');
    assert.equal(Buffer.from(bytes).toString('hex'), `0a0b${text('example.org')}1204${text('/web')}`);
  });
});
