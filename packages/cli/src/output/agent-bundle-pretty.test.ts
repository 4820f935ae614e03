import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { formatAgentList, formatAgentShow, formatCount } from './agent-pretty.js';
import { encodePemBlock, formatBundle, formatBundleList, formatBundleSpiffe } from './bundle-pretty.js';

const agent = create(types.AgentSchema, {
  id: { trustDomain: 'example.org', path: '/spire/agent/join_token/abc' },
  attestationType: 'join_token',
  x509svidSerialNumber: '123456789',
  x509svidExpiresAt: 1700000000n,
  selectors: [{ type: 'join_token', value: 'abc' }],
  canReattest: false,
  agentVersion: '1.15.3',
});

const block =
  'SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc\n' +
  'Attestation type  : join_token\n' +
  'Expiration time   : 2023-11-14 22:13:20 +0000 UTC\n' +
  'Serial number     : 123456789\n' +
  'Can re-attest     : false\n' +
  'Agent version     : 1.15.3\n' +
  '\n';

test('agent list: none, one, several', () => {
  assert.equal(formatAgentList([], 'UTC'), 'No attested agents found\n');
  assert.equal(formatAgentList([agent], 'UTC'), `Found 1 attested agent:\n\n${block}`);
  assert.equal(formatAgentList([agent, agent], 'UTC'), `Found 2 attested agents:\n\n${block}${block}`);
});

test('banned agent shows Banned instead of the serial; no version line when unset', () => {
  const banned = create(types.AgentSchema, { ...agent, banned: true, x509svidSerialNumber: '', agentVersion: '' });
  assert.equal(
    formatAgentList([banned], 'UTC'),
    'Found 1 attested agent:\n\n' +
      'SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc\n' +
      'Attestation type  : join_token\n' +
      'Expiration time   : 2023-11-14 22:13:20 +0000 UTC\n' +
      'Banned            : true\n' +
      'Can re-attest     : false\n\n',
  );
});

test('agent show adds its header and selector lines', () => {
  assert.equal(formatAgentShow(agent, 'UTC'), `Found an attested agent given its SPIFFE ID\n\n${block}Selectors         : join_token:abc\n`);
});

test('counts pluralize', () => {
  assert.equal(formatCount(1, 'attested ', 'agent', 'agents'), '1 attested agent\n');
  assert.equal(formatCount(0, 'registration ', 'entry', 'entries'), '0 registration entries\n');
  assert.equal(formatCount(3, '', 'bundle', 'bundles'), '3 bundles\n');
});

test('PEM blocks wrap base64 at 64 characters', () => {
  const der = new Uint8Array(100).map((_, i) => i);
  const pem = encodePemBlock('CERTIFICATE', der);
  const lines = pem.trimEnd().split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines[1]?.length, 64);
  assert.equal(lines.at(-1), '-----END CERTIFICATE-----');
  assert.equal(Buffer.from(lines.slice(1, -1).join(''), 'base64').compare(Buffer.from(der)), 0);
});

test('bundle pem output, list headers and blank line between bundles', () => {
  const a = create(types.BundleSchema, { trustDomain: 'a.org', x509Authorities: [{ asn1: new Uint8Array([1, 2]) }] });
  const b = create(types.BundleSchema, { trustDomain: 'b.org', x509Authorities: [{ asn1: new Uint8Array([3]) }] });
  const pemA = encodePemBlock('CERTIFICATE', new Uint8Array([1, 2]));
  const pemB = encodePemBlock('CERTIFICATE', new Uint8Array([3]));
  assert.equal(formatBundle(a, 'pem', false), pemA);
  const stars = '*'.repeat(40);
  assert.equal(formatBundleList([a, b], 'pem'), `${stars}\n* a.org\n${stars}\n${pemA}\n${stars}\n* b.org\n${stars}\n${pemB}`);
});

test('bundle spiffe format: 4-space indented JWKS with jwt-svid key, sequence and refresh hint', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const bundle = create(types.BundleSchema, {
    trustDomain: 'example.org',
    jwtAuthorities: [{ keyId: 'kid-1', publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) }],
    refreshHint: 300n,
    sequenceNumber: 7n,
  });
  const text = formatBundleSpiffe(bundle);
  assert.ok(text.endsWith('}\n'));
  const doc = JSON.parse(text) as { keys: { use: string; kid: string; kty: string }[]; spiffe_sequence: number; spiffe_refresh_hint: number };
  assert.equal(doc.keys[0]?.use, 'jwt-svid');
  assert.equal(doc.keys[0]?.kid, 'kid-1');
  assert.equal(doc.spiffe_sequence, 7);
  assert.equal(doc.spiffe_refresh_hint, 300);
  assert.match(text, /^\{\n {4}"keys": \[\n {8}\{/);
});
