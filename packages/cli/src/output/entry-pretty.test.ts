import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { formatEntry, formatEntryList } from './entry-pretty.js';
import { sortEntries } from './entry-sort.js';

const id = (trustDomain: string, path: string) => create(types.SPIFFEIDSchema, { trustDomain, path });
const sel = (type: string, value: string) => create(types.SelectorSchema, { type, value });

const minimal = create(types.EntrySchema, {
  id: 'entry-1',
  spiffeId: id('example.org', '/workload/api'),
  parentId: id('example.org', '/agent/local'),
  selectors: [sel('unix', 'uid:1000')],
  revisionNumber: 2n,
});

test('entry block: 24-character labels, default TTLs, blank line after', () => {
  assert.equal(
    formatEntry(minimal),
    'Entry ID                : entry-1\n' +
      'SPIFFE ID               : spiffe://example.org/workload/api\n' +
      'Parent ID               : spiffe://example.org/agent/local\n' +
      'Revision                : 2\n' +
      'X509-SVID TTL           : default\n' +
      'JWT-SVID TTL            : default\n' +
      'Selector                : unix:uid:1000\n' +
      '\n',
  );
});

test('entry block prints every optional line in order when set', () => {
  const full = create(types.EntrySchema, {
    spiffeId: id('example.org', '/w'),
    parentId: id('example.org', '/spire/server'),
    downstream: true,
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    expiresAt: 1700000000n,
    selectors: [sel('k8s', 'ns:a'), sel('k8s', 'sa:b')],
    federatesWith: ['a.org', 'b.org'],
    dnsNames: ['x.example.org'],
    admin: true,
    storeSvid: true,
    hint: 'h',
    additionalAttributes: { disableX509SvidPrefetch: true, jwtSvidIncludeJti: true },
  });
  assert.equal(
    formatEntry(full),
    'Entry ID                : (none)\n' +
      'SPIFFE ID               : spiffe://example.org/w\n' +
      'Parent ID               : spiffe://example.org/spire/server\n' +
      'Revision                : 0\n' +
      'Downstream              : true\n' +
      'X509-SVID TTL           : 3600\n' +
      'JWT-SVID TTL            : 300\n' +
      'Expiration time         : 2023-11-14 22:13:20 +0000 UTC\n' +
      'Selector                : k8s:ns:a\n' +
      'Selector                : k8s:sa:b\n' +
      'FederatesWith           : a.org\n' +
      'FederatesWith           : b.org\n' +
      'DNS name                : x.example.org\n' +
      'Admin                   : true\n' +
      'StoreSvid               : true\n' +
      'Hint                    : h\n' +
      'DisableX509SvidPrefetch : true\n' +
      'JwtSvidIncludeJti       : true\n' +
      '\n',
  );
});

test('entry list header: singular only for exactly one', () => {
  assert.equal(formatEntryList([]), 'Found 0 entries\n');
  assert.equal(formatEntryList([minimal]), `Found 1 entry\n${formatEntry(minimal)}`);
  assert.match(formatEntryList([minimal, minimal]), /^Found 2 entries\nEntry ID/);
});

test('sortEntries orders by SPIFFE ID, parent, TTLs, then selectors (each sorted)', () => {
  const mk = (sp: string, parent: string, x509: number, jwt: number, selectors: types.Selector[]) =>
    create(types.EntrySchema, { id: `${sp}|${parent}|${x509}|${jwt}|${selectors.map((s) => s.value).join(',')}`, spiffeId: id('b.org', sp), parentId: id('b.org', parent), x509SvidTtl: x509, jwtSvidTtl: jwt, selectors });
  const entries = [
    mk('/z', '/p', 0, 0, [sel('unix', 'uid:1')]),
    mk('/a', '/q', 0, 0, [sel('unix', 'uid:1')]),
    mk('/a', '/p', 10, 0, [sel('unix', 'uid:1')]),
    mk('/a', '/p', 0, 5, [sel('unix', 'uid:1')]),
    mk('/a', '/p', 0, 0, [sel('unix', 'uid:2'), sel('docker', 'x')]),
    mk('/a', '/p', 0, 0, [sel('unix', 'uid:1')]),
  ];
  entries.push(create(types.EntrySchema, { id: 'other-td', spiffeId: id('a.org', '/z'), parentId: id('a.org', '/p') }));
  sortEntries(entries);
  assert.deepEqual(entries.map((e) => e.id), [
    'other-td',
    '/a|/p|0|0|uid:2,x', // IDs were built before sorting: selectors given as uid:2, x
    '/a|/p|0|0|uid:1',
    '/a|/p|0|5|uid:1',
    '/a|/p|10|0|uid:1',
    '/a|/q|0|0|uid:1',
    '/z|/p|0|0|uid:1',
  ]);
  // docker sorts before unix inside the entry
  assert.deepEqual(entries[1]?.selectors.map((s) => s.type), ['docker', 'unix']);
});
