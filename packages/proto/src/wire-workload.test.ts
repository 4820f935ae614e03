// SPIFFE Workload API messages on the wire (spiffe-standards.md §5), checked against the
// independent fact table, plus the package-less service identity clients rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { workload } from './index.js';
import { checkService, checkWire } from './testing/wire-check.js';

const der = (...bytes: number[]): Uint8Array => new Uint8Array([0x30, ...bytes]);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('workload API messages', () => {
  it('X509SVID and X509SVIDResponse', () => {
    const svid = {
      spiffeId: 'spiffe://example.org/web',
      x509Svid: der(0x01, 0x02),
      x509SvidKey: der(0x03),
      bundle: der(0x04, 0x05, 0x06),
      hint: 'internal',
    };
    checkWire(workload.X509SVIDSchema, svid);
    checkWire(workload.X509SVIDResponseSchema, {
      svids: [svid, { ...svid, spiffeId: 'spiffe://example.org/db', hint: 'external' }],
      crl: [der(0x0c), der(0x0d)],
      federatedBundles: { 'spiffe://other.org': der(0x0e), 'spiffe://third.org': der(0x0f) },
    });
  });

  it('X509BundlesResponse', () => {
    checkWire(workload.X509BundlesResponseSchema, {
      crl: [der(0x21)],
      bundles: { 'spiffe://example.org': der(0x22), 'spiffe://other.org': der(0x23) },
    });
  });

  it('JWTSVIDRequest, JWTSVID and JWTSVIDResponse', () => {
    checkWire(workload.JWTSVIDRequestSchema, { audience: ['aud-1', 'aud-2'], spiffeId: 'spiffe://example.org/web' });
    const jwt = { spiffeId: 'spiffe://example.org/web', svid: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', hint: 'h1' };
    checkWire(workload.JWTSVIDSchema, jwt);
    checkWire(workload.JWTSVIDResponseSchema, { svids: [jwt, { ...jwt, hint: 'h2' }] });
  });

  it('JWTBundlesResponse values are bytes', () => {
    checkWire(workload.JWTBundlesResponseSchema, {
      bundles: { 'spiffe://example.org': new TextEncoder().encode('{"keys":[]}') },
    });
  });

  it('ValidateJWTSVIDRequest and Response (claims as Struct)', () => {
    checkWire(workload.ValidateJWTSVIDRequestSchema, { audience: 'single-aud', svid: 'a.b.c' });
    checkWire(workload.ValidateJWTSVIDResponseSchema, {
      spiffeId: 'spiffe://example.org/web',
      claims: { sub: 'spiffe://example.org/web', aud: ['x', 'y'], exp: 1700000000, extra: { nested: true } },
    });
  });

  it('WIT messages; WIT bundle values are strings, unlike JWT', () => {
    checkWire(workload.WITSVIDRequestSchema, { spiffeId: 'spiffe://example.org/wit' });
    const wit = { spiffeId: 'spiffe://example.org/wit', witSvid: 'h.p.s', witSvidKey: '{"kty":"EC"}', hint: 'w' };
    checkWire(workload.WITSVIDSchema, wit);
    checkWire(workload.WITSVIDResponseSchema, { svids: [wit] });
    checkWire(workload.WITBundlesResponseSchema, { bundles: { 'spiffe://example.org': '{"keys":[]}' } });
  });

  it('request messages without fields encode to nothing', () => {
    for (const schema of [
      workload.X509SVIDRequestSchema, workload.X509BundlesRequestSchema,
      workload.JWTBundlesRequestSchema, workload.WITBundlesRequestSchema,
    ]) {
      assert.equal(schema.fields.length, 0, schema.typeName);
      assert.equal(toBinary(schema, create(schema)).length, 0);
    }
  });

  it('encodes JWTSVIDRequest to the bytes the fact sheet implies', () => {
    // field 1 (LEN) "a", field 1 (LEN) "b", field 2 (LEN) "spiffe://t/x"
    const bytes = toBinary(
      workload.JWTSVIDRequestSchema,
      create(workload.JWTSVIDRequestSchema, { audience: ['a', 'b'], spiffeId: 'spiffe://t/x' }),
    );
    assert.equal(hex(bytes), `0a01610a0162120c${Buffer.from('spiffe://t/x').toString('hex')}`);
  });
});

describe('SpiffeWorkloadAPI service', () => {
  const service = workload.SpiffeWorkloadAPI;

  it('has no package and matches the fact sheet', () => {
    assert.equal(service.typeName, 'SpiffeWorkloadAPI');
    assert.equal(service.file.proto.package, '');
    checkService(service);
  });

  it('method paths and streaming kinds', () => {
    const path = (name: string): string => `/${service.typeName}/${name}`;
    assert.equal(path(service.method.fetchX509SVID.name), '/SpiffeWorkloadAPI/FetchX509SVID');
    assert.equal(service.method.fetchX509SVID.methodKind, 'server_streaming');
    assert.equal(service.method.fetchX509Bundles.methodKind, 'server_streaming');
    assert.equal(service.method.fetchJWTSVID.methodKind, 'unary');
    assert.equal(service.method.fetchJWTBundles.methodKind, 'server_streaming');
    assert.equal(service.method.validateJWTSVID.methodKind, 'unary');
    assert.equal(service.method.fetchWITSVID.methodKind, 'server_streaming');
    assert.equal(service.method.fetchWITBundles.methodKind, 'server_streaming');
    assert.equal(service.method.fetchX509SVID.input.typeName, 'X509SVIDRequest');
    assert.equal(service.method.validateJWTSVID.output.typeName, 'ValidateJWTSVIDResponse');
  });
});
