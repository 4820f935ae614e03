import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJournal, encodeJournal, type CaJournal } from './journal.js';

const journal: CaJournal = {
  trustDomain: 'example.org',
  x509: [
    { slot: 'A', status: 'active', certificate: Uint8Array.of(1, 2, 3), chain: [], authorityId: 'ab01', issuedAt: 10, notAfter: 20 },
    { slot: 'B', status: 'prepared', certificate: Uint8Array.of(4), chain: [Uint8Array.of(4), Uint8Array.of(5)], authorityId: 'cd02', upstreamAuthorityId: 'ee', issuedAt: 15, notAfter: 25 },
  ],
  jwt: [{ slot: 'B', status: 'active', keyId: 'Abc123', publicKeyDer: Uint8Array.of(9, 9), issuedAt: 1, notAfter: 2 }],
};

const normalize = (j: CaJournal): unknown => JSON.parse(Buffer.from(encodeJournal(j)).toString());

test('journal round-trips through its JSON encoding', () => {
  const decoded = decodeJournal(encodeJournal(journal));
  assert.deepEqual(normalize(decoded), normalize(journal));
  assert.deepEqual([...decoded.x509[1]!.chain[1]!], [5]);
  assert.equal(decoded.x509[1]!.upstreamAuthorityId, 'ee');
  assert.equal('upstreamAuthorityId' in decoded.x509[0]!, false);
});

test('bad journals fail with ERR_CA_BAD_JOURNAL naming the field', () => {
  const encoded = JSON.parse(Buffer.from(encodeJournal(journal)).toString());
  const mutate = (fn: (j: any) => void): Uint8Array => {
    const copy = structuredClone(encoded);
    fn(copy);
    return Buffer.from(JSON.stringify(copy));
  };
  const cases: [Uint8Array, RegExp][] = [
    [Buffer.from('{'), /not valid JSON/],
    [mutate((j) => (j.version = 2)), /unsupported version/],
    [mutate((j) => delete j.trustDomain), /trustDomain is missing/],
    [mutate((j) => (j.x509 = {})), /x509 must be an array/],
    [mutate((j) => (j.x509[0].slot = 'C')), /x509\[0\]\.slot/],
    [mutate((j) => (j.x509[1].status = 'weird')), /x509\[1\]\.status/],
    [mutate((j) => (j.x509[0].certificate = '!!')), /x509\[0\]\.certificate must be base64/],
    [mutate((j) => (j.x509[0].authorityId = 'XYZ')), /authorityId/],
    [mutate((j) => (j.x509[1].slot = 'A')), /slot twice/],
    [mutate((j) => (j.x509[1].status = 'active')), /more than one active/],
    [mutate((j) => (j.jwt[0].notAfter = -1)), /jwt\[0\]\.notAfter must be unix seconds/],
    [mutate((j) => (j.jwt[0].keyId = '')), /jwt\[0\]\.keyId/],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => decodeJournal(data), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'ERR_CA_BAD_JOURNAL');
      assert.match((err as Error).message, message);
      return true;
    });
  }
});
