import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { entryv1, types } from '@tspire/proto';
import { encodeGoJson } from './go-json.js';
import { formatProtoJson, protoItem } from './proto-json.js';

test('encodeGoJson sorts keys at every level, drops nulls, is compact and ends in one newline', () => {
  const text = encodeGoJson({ b: 1, a: { z: null, y: [{ d: true, c: 'x' }] }, n: null });
  assert.equal(text, '{"a":{"y":[{"c":"x","d":true}]},"b":1}\n');
});

test('encodeGoJson escapes <, >, & and line separators as Go does', () => {
  assert.equal(encodeGoJson({ k: '<a>&b\u2028"q"\n' }), '{"k":"\\u003ca\\u003e\\u0026b\\u2028\\"q\\"\\n"}\n');
});

test('encodeGoJson orders keys by code point (uppercase before lowercase)', () => {
  assert.equal(encodeGoJson({ b: 1, B: 2, _: 3, a: 4 }), '{"B":2,"_":3,"a":4,"b":1}\n');
});

test('formatProtoJson uses proto field names, emits implicit fields, int64 as strings, enums by name', () => {
  const req = create(entryv1.CountEntriesRequestSchema, {
    filter: {
      bySelectors: { selectors: [{ type: 'unix', value: 'uid:1000' }], match: types.SelectorMatch_MatchBehavior.MATCH_ANY },
    },
  });
  assert.equal(
    formatProtoJson([protoItem(entryv1.CountEntriesRequestSchema, req)]),
    '{"filter":{"by_selectors":{"match":"MATCH_ANY","selectors":[{"type":"unix","value":"uid:1000"}]}}}\n',
  );
  const entry = create(types.EntrySchema, { id: 'e1', expiresAt: 1700000000n, hint: '<x>' });
  const json = formatProtoJson([protoItem(types.EntrySchema, entry)]);
  assert.match(json, /"expires_at":"1700000000"/);
  assert.match(json, /"revision_number":"0"/);
  assert.match(json, /"dns_names":\[\]/);
  assert.match(json, /"hint":"\\u003cx\\u003e"/);
  assert.doesNotMatch(json, /spiffe_id/); // unset message fields are dropped, not null
});

test('formatProtoJson encodes bytes as base64 and several messages as an array', () => {
  const a = create(types.X509CertificateSchema, { asn1: new Uint8Array([1, 2, 3]) });
  const b = create(types.X509CertificateSchema, { tainted: true });
  assert.equal(
    formatProtoJson([protoItem(types.X509CertificateSchema, a), protoItem(types.X509CertificateSchema, b)]),
    '[{"asn1":"AQID","tainted":false},{"asn1":"","tainted":true}]\n',
  );
  assert.equal(formatProtoJson([]), '');
});
