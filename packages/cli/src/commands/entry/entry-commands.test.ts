import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { entryv1, types } from '@tspire/proto';
import { startFakeAdminServer, type FakeAdminServer } from '../../testing/fake-admin-server.js';
import { runCli, type RunOptions } from '../../testing/run-cli.js';

const OK = { code: 0, message: 'OK' };
const id = (trustDomain: string, path: string) => create(types.SPIFFEIDSchema, { trustDomain, path });

/** A fake Entry service: creates echo the entry with an ID, unless its hint asks to fail. */
async function withEntryServer(fn: (server: FakeAdminServer, opts: RunOptions) => Promise<void>, stored: types.Entry[] = []): Promise<void> {
  const server = await startFakeAdminServer((r) =>
    r.service(entryv1.Entry, {
      batchCreateEntry: (req) => ({
        results: req.entries.map((e, i) =>
          e.hint === 'dup'
            ? { status: { code: Code.AlreadyExists, message: 'similar entry already exists' }, entry: { ...e, id: 'existing' } }
            : { status: OK, entry: { ...e, id: e.id || `id-${i}`, revisionNumber: 0n } },
        ),
      }),
      batchUpdateEntry: (req) => ({ results: req.entries.map((e) => ({ status: OK, entry: { ...e, revisionNumber: 1n } })) }),
      batchDeleteEntry: (req) => ({
        results: req.ids.map((i) => (i.startsWith('missing') ? { status: { code: Code.NotFound, message: 'entry not found' }, id: i } : { status: OK, id: i })),
      }),
      getEntry: (req) => {
        const found = stored.find((e) => e.id === req.id);
        if (found === undefined) throw new ConnectError('entry not found', Code.NotFound);
        return found;
      },
      listEntries: (req) => {
        // Two entries per page; a token whenever the page had rows, as SPIRE does.
        const start = req.pageToken === '' ? 0 : Number(req.pageToken);
        const page = stored.slice(start, start + 2);
        return { entries: page, nextPageToken: page.length > 0 ? String(start + page.length) : '' };
      },
      countEntries: () => ({ count: stored.length }),
    }),
  );
  try {
    await fn(server, { socketPath: server.socketPath });
  } finally {
    await server.close();
  }
}

const createArgs = ['-parentID', 'spiffe://example.org/agent/local', '-spiffeID', 'spiffe://example.org/workload/api', '-selector', 'unix:uid:1000', '-x509SVIDTTL', '3600'];

test('entry create builds the BatchCreateEntryRequest and prints the created entry', async () => {
  await withEntryServer(async (server, opts) => {
    const run = await runCli(['entry', 'create'], [...createArgs, '-selector', 'k8s:ns:default', '-dns', 'a.example.org', '-dns', 'b.example.org', '-federatesWith', 'spiffe://other.org', '-admin', '-downstream', '-entryExpiry', '1700000000', '-hint', 'api', '-jwtSVIDTTL', '60', '-entryID', 'custom', '-storeSVID', '-jwtSVIDIncludeJTI'], opts);
    assert.equal(run.code, 0, run.stderr);
    const [req] = server.requests<entryv1.BatchCreateEntryRequest>('Entry/BatchCreateEntry');
    const entry = req?.entries[0];
    assert.equal(req?.entries.length, 1);
    assert.deepEqual(entry?.selectors.map((s) => [s.type, s.value]), [['unix', 'uid:1000'], ['k8s', 'ns:default']]);
    assert.deepEqual([entry?.spiffeId?.trustDomain, entry?.spiffeId?.path], ['example.org', '/workload/api']);
    assert.deepEqual([entry?.parentId?.trustDomain, entry?.parentId?.path], ['example.org', '/agent/local']);
    assert.equal(entry?.x509SvidTtl, 3600);
    assert.equal(entry?.jwtSvidTtl, 60);
    assert.equal(entry?.id, 'custom');
    assert.deepEqual(entry?.dnsNames, ['a.example.org', 'b.example.org']);
    assert.deepEqual(entry?.federatesWith, ['spiffe://other.org']);
    assert.equal(entry?.admin && entry.downstream && entry.storeSvid, true);
    assert.equal(entry?.expiresAt, 1700000000n);
    assert.equal(entry?.additionalAttributes?.jwtSvidIncludeJti, true);
    assert.equal(entry?.additionalAttributes?.disableX509SvidPrefetch, false);
    assert.match(run.stdout, /^Entry ID {16}: custom\nSPIFFE ID {15}: spiffe:\/\/example.org\/workload\/api\n/);
    assert.match(run.stdout, /Expiration time {9}: 2023-11-14 22:13:20 \+0000 UTC\n/);
    assert.ok(run.stdout.endsWith('Hint                    : api\nJwtSvidIncludeJti       : true\n\n'));
  });
});

test('entry create -node parents the entry to the server of the SPIFFE ID trust domain', async () => {
  await withEntryServer(async (server, opts) => {
    const run = await runCli(['entry', 'create'], ['-node', '-spiffeID', 'spiffe://example.org/nodes/all', '-selector', 'x509pop:subject:cn:a'], opts);
    assert.equal(run.code, 0, run.stderr);
    const entry = server.requests<entryv1.BatchCreateEntryRequest>('Entry/BatchCreateEntry')[0]?.entries[0];
    assert.deepEqual([entry?.parentId?.trustDomain, entry?.parentId?.path], ['example.org', '/spire/server']);
    assert.deepEqual([entry?.selectors[0]?.type, entry?.selectors[0]?.value], ['x509pop', 'subject:cn:a']);
  });
});

test('entry create validation messages, in SPIRE order, without calling the server', async () => {
  await withEntryServer(async (server, opts) => {
    const cases: [string[], string][] = [
      [['-parentID', 'spiffe://a.org/p', '-spiffeID', 'spiffe://a.org/w'], 'at least one selector is required'],
      [['-node', '-federatesWith', 'b.org', '-selector', 'a:b', '-spiffeID', 'spiffe://a.org/w'], 'node entries can not federate'],
      [['-selector', 'a:b', '-spiffeID', 'spiffe://a.org/w'], 'a parent ID is required if the node flag is not set'],
      [['-selector', 'a:b', '-parentID', 'spiffe://a.org/p'], 'a SPIFFE ID is required'],
      [['-selector', 'a:b', '-parentID', 'spiffe://a.org/p', '-spiffeID', 'spiffe://a.org/w', '-x509SVIDTTL', '-1'], 'a positive x509-SVID TTL is required'],
      [['-selector', 'a:b', '-parentID', 'spiffe://a.org/p', '-spiffeID', 'spiffe://a.org/w', '-jwtSVIDTTL', '-5'], 'a positive JWT-SVID TTL is required'],
      [['-selector', 'nocolon', '-parentID', 'spiffe://a.org/p', '-spiffeID', 'spiffe://a.org/w'], 'selector "nocolon" must be formatted as type:value'],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['entry', 'create'], args, opts);
      assert.deepEqual(run, { code: 1, stdout: '', stderr: `Error: ${message}\n` }, args.join(' '));
    }
    const badId = await runCli(['entry', 'create'], ['-selector', 'a:b', '-parentID', 'spiffe://a.org/p', '-spiffeID', 'http://a.org/w'], opts);
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /^Error: .*scheme/i);
    assert.equal(server.calls.length, 0);
  });
});

test('entry create failures go to stderr with the sent entry and exit 1; JSON mode exits 0', async () => {
  await withEntryServer(async (_server, opts) => {
    const args = [...createArgs, '-hint', 'dup'];
    const run = await runCli(['entry', 'create'], args, opts);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      'Failed to create the following entry (code: AlreadyExists, msg: "similar entry already exists"):\n' +
        'Entry ID                : (none)\n' +
        'SPIFFE ID               : spiffe://example.org/workload/api\n' +
        'Parent ID               : spiffe://example.org/agent/local\n' +
        'Revision                : 0\n' +
        'X509-SVID TTL           : 3600\n' +
        'JWT-SVID TTL            : default\n' +
        'Selector                : unix:uid:1000\n' +
        'Hint                    : dup\n\n' +
        'Error: failed to create one or more entries\n',
    );
    const json = await runCli(['entry', 'create'], [...args, '-output', 'json'], opts);
    assert.equal(json.code, 0);
    const doc = JSON.parse(json.stdout) as { results: { status: { code: number; message: string }; entry: { id: string } }[] };
    assert.deepEqual(doc.results[0]?.status, { code: 6, message: 'similar entry already exists' });
    assert.equal(doc.results[0]?.entry.id, ''); // the request's entry replaces the server's, as SPIRE does
    assert.ok(json.stdout.startsWith('{"results":[{"entry":{"admin":false,'));
  });
});

test('entry create -data reads the legacy JSON format (stdin with -)', async () => {
  await withEntryServer(async (server, opts) => {
    const data = JSON.stringify({
      entries: [
        { selectors: [{ type: 'unix', value: 'uid:1' }], spiffe_id: 'spiffe://example.org/a', parent_id: 'spiffe://example.org/p', x509_svid_ttl: 100, jwt_svid_ttl: 20, federates_with: ['spiffe://fed.org'], entryExpiry: 1234, dns_names: ['d'], admin: true, hint: 'h', store_svid: true, additional_attributes: { disable_x509_svid_prefetch: true } },
        { Selectors: [{ Type: 'k8s', Value: 'ns:x' }], SPIFFE_ID: 'spiffe://example.org/b', Parent_ID: 'spiffe://example.org/p', entry_id: 'given', downstream: true, unknown_key: 1 },
      ],
    });
    const run = await runCli(['entry', 'create'], ['-data', '-'], { ...opts, stdin: data });
    assert.equal(run.code, 0, run.stderr);
    const entries = server.requests<entryv1.BatchCreateEntryRequest>('Entry/BatchCreateEntry')[0]?.entries ?? [];
    assert.equal(entries.length, 2);
    assert.equal(entries[0]?.spiffeId?.path, '/a');
    assert.equal(entries[0]?.x509SvidTtl, 100);
    assert.equal(entries[0]?.jwtSvidTtl, 20);
    assert.deepEqual(entries[0]?.federatesWith, ['fed.org']);
    assert.equal(entries[0]?.expiresAt, 1234n);
    assert.equal(entries[0]?.additionalAttributes?.disableX509SvidPrefetch, true);
    assert.equal(entries[0]?.storeSvid && entries[0].admin, true);
    assert.deepEqual([entries[1]?.id, entries[1]?.downstream, entries[1]?.selectors[0]?.value], ['given', true, 'ns:x']);
    const bad = await runCli(['entry', 'create'], ['-data', '-'], { ...opts, stdin: '{"entries":[{"spiffe_id":"nope"}]}' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error: invalid entry data: entries\[0\]\.spiffe_id: /);
    const missing = await runCli(['entry', 'create'], ['-data', '/no/such/file.json'], opts);
    assert.equal(missing.stderr, 'Error: open /no/such/file.json: no such file or directory\n');
  });
});

test('entry update requires the entry ID and sends a full replacement without input mask', async () => {
  await withEntryServer(async (server, opts) => {
    const missing = await runCli(['entry', 'update'], createArgs, opts);
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'Error: an entry ID is required\n' });
    const noParent = await runCli(['entry', 'update'], ['-entryID', 'e1', '-selector', 'a:b', '-spiffeID', 'spiffe://a.org/w'], opts);
    assert.equal(noParent.stderr, 'Error: a parent ID is required\n');
    const run = await runCli(['entry', 'update'], ['-entryID', 'e1', ...createArgs.slice(0, 4), '-selector', 'unix:uid:1001'], opts);
    assert.equal(run.code, 0, run.stderr);
    const req = server.requests<entryv1.BatchUpdateEntryRequest>('Entry/BatchUpdateEntry')[0];
    assert.equal(req?.inputMask, undefined);
    assert.equal(req?.entries[0]?.id, 'e1');
    assert.equal(req?.entries[0]?.selectors[0]?.value, 'uid:1001');
    assert.match(run.stdout, /^Entry ID {16}: e1\n.*\nRevision {16}: 1\n/s);
  });
});

test('entry update with an additional-attribute flag keeps the stored attributes it does not name (SPIRE 1.15)', async () => {
  const stored = create(types.EntrySchema, {
    id: 'e1',
    additionalAttributes: create(types.Entry_AdditionalAttributesSchema, { disableX509SvidPrefetch: true, jwtSvidIncludeJti: false }),
  });
  await withEntryServer(async (server, opts) => {
    const base = ['-entryID', 'e1', ...createArgs.slice(0, 6)];
    const run = await runCli(['entry', 'update'], [...base, '-jwtSVIDIncludeJTI'], opts);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requests('Entry/GetEntry').length, 1);
    const sent = server.requests<entryv1.BatchUpdateEntryRequest>('Entry/BatchUpdateEntry')[0]?.entries[0]?.additionalAttributes;
    assert.deepEqual([sent?.disableX509SvidPrefetch, sent?.jwtSvidIncludeJti], [true, true]);
    // Without such a flag there is no lookup and the attributes are replaced (cleared).
    const plain = await runCli(['entry', 'update'], base, opts);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(server.requests('Entry/GetEntry').length, 1);
    assert.equal(server.requests<entryv1.BatchUpdateEntryRequest>('Entry/BatchUpdateEntry')[1]?.entries[0]?.additionalAttributes, undefined);
    const unknown = await runCli(['entry', 'update'], ['-entryID', 'nope', ...createArgs.slice(0, 6), '-disableX509SVIDPrefetch'], opts);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'Error: failed to fetch existing entry to merge additional attributes: rpc error: code = NotFound desc = entry not found\n');
  }, [stored]);
});

test('entry delete prints per-ID lines and a summary without trailing newline', async () => {
  await withEntryServer(async (server, opts) => {
    const one = await runCli(['entry', 'delete'], ['-entryID', 'e1'], opts);
    assert.deepEqual(one, { code: 0, stdout: 'Deleted entry with ID: e1\n\n\nDeleted 1 entries successfully', stderr: '' });
    const none = await runCli(['entry', 'delete'], [], opts);
    assert.equal(none.stderr, 'Error: an entry ID is required\n');
    const batch = await runCli(['entry', 'delete'], ['-file', '-'], { ...opts, stdin: '{"ids":["a","missing-1"]}' });
    assert.equal(batch.code, 1);
    assert.equal(batch.stdout, 'Deleted entry with ID: a\n\n\n\n\nDeleted 1 entries successfully, but failed to delete 1 entries');
    assert.equal(batch.stderr, 'Failed to delete entry with ID missing-1 (code: NotFound, msg: "entry not found")\nError: failed to delete one or more entries\n');
    const allFailed = await runCli(['entry', 'delete'], ['-entryID', 'missing-2'], opts);
    assert.equal(allFailed.stdout, '\n\nFailed to delete 1 entries');
    assert.deepEqual(server.requests<entryv1.BatchDeleteEntryRequest>('Entry/BatchDeleteEntry').map((r) => r.ids), [['e1'], ['a', 'missing-1'], ['missing-2']]);
    const json = await runCli(['entry', 'delete'], ['-entryID', 'e9', '-output', 'json'], opts);
    assert.equal(json.stdout, '{"results":[{"id":"e9","status":{"code":0,"message":"OK"}}]}\n');
  });
});

const stored = [
  create(types.EntrySchema, { id: 'c', spiffeId: id('example.org', '/z'), parentId: id('example.org', '/p'), selectors: [{ type: 'unix', value: 'uid:2' }, { type: 'docker', value: 'a' }] }),
  create(types.EntrySchema, { id: 'a', spiffeId: id('example.org', '/a'), parentId: id('example.org', '/p'), selectors: [{ type: 'unix', value: 'uid:1' }] }),
  create(types.EntrySchema, { id: 'b', spiffeId: id('example.org', '/m'), parentId: id('example.org', '/p'), selectors: [{ type: 'unix', value: 'uid:3' }] }),
];

test('entry show lists every page (500 per page, until an empty token) and sorts', async () => {
  await withEntryServer(async (server, opts) => {
    const run = await runCli(['entry', 'show'], ['-selector', 'unix:uid:1', '-matchSelectorsOn', 'any', '-federatesWith', 'spiffe://f.org', '-hint', 'h', '-downstream', '-spiffeID', 'spiffe://example.org/a', '-parentID', 'spiffe://example.org/p'], opts);
    assert.equal(run.code, 0, run.stderr);
    const reqs = server.requests<entryv1.ListEntriesRequest>('Entry/ListEntries');
    assert.deepEqual(reqs.map((r) => [r.pageSize, r.pageToken]), [[500, ''], [500, '2'], [500, '3']]);
    const filter = reqs[0]?.filter;
    assert.equal(filter?.bySelectors?.match, types.SelectorMatch_MatchBehavior.MATCH_ANY);
    assert.equal(filter?.byFederatesWith?.match, types.FederatesWithMatch_MatchBehavior.MATCH_SUPERSET);
    assert.deepEqual(filter?.byFederatesWith?.trustDomains, ['spiffe://f.org']);
    assert.equal(filter?.byHint, 'h');
    assert.equal(filter?.byDownstream, true);
    assert.equal(filter?.bySpiffeId?.path, '/a');
    assert.match(run.stdout, /^Found 3 entries\nEntry ID {16}: a\n/);
    assert.deepEqual([...run.stdout.matchAll(/Entry ID {16}: (\w)/g)].map((m) => m[1]), ['a', 'b', 'c']);
    assert.match(run.stdout, /Selector {16}: docker:a\nSelector {16}: unix:uid:2\n/);
    const json = await runCli(['entry', 'show'], ['-output', 'json'], opts);
    const doc = JSON.parse(json.stdout) as { entries: { id: string }[]; next_page_token: string };
    assert.deepEqual(doc.entries.map((e) => e.id), ['a', 'b', 'c']);
    assert.equal(doc.next_page_token, '');
  }, stored);
});

test('entry show -entryID uses GetEntry; errors and bad match modes are reported', async () => {
  await withEntryServer(async (server, opts) => {
    const run = await runCli(['entry', 'show'], ['-entryID', 'b'], opts);
    assert.match(run.stdout, /^Found 1 entry\nEntry ID {16}: b\n/);
    assert.deepEqual(server.requests<entryv1.GetEntryRequest>('Entry/GetEntry').map((r) => r.id), ['b']);
    const missing = await runCli(['entry', 'show'], ['-entryID', 'zz'], opts);
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'Error: error fetching entry ID zz: rpc error: code = NotFound desc = entry not found\n' });
    const combined = await runCli(['entry', 'show'], ['-entryID', 'b', '-spiffeID', 'spiffe://example.org/a'], opts);
    assert.equal(combined.stderr, "Error: the -entryID flag can't be combined with others\n");
    const badMatch = await runCli(['entry', 'show'], ['-selector', 'a:b', '-matchSelectorsOn', 'most'], opts);
    assert.equal(badMatch.stderr, 'Error: match behavior "most" unknown\n');
  }, stored);
});

test('entry count prints singular/plural and sends the filter', async () => {
  await withEntryServer(async (server, opts) => {
    const run = await runCli(['entry', 'count'], ['-selector', 'unix:uid:1', '-matchSelectorsOn', 'exact'], opts);
    assert.deepEqual(run, { code: 0, stdout: '3 registration entries\n', stderr: '' });
    const req = server.requests<entryv1.CountEntriesRequest>('Entry/CountEntries')[0];
    assert.equal(req?.filter?.bySelectors?.match, types.SelectorMatch_MatchBehavior.MATCH_EXACT);
    const json = await runCli(['entry', 'count'], ['-output', 'json'], opts);
    assert.equal(json.stdout, '{"count":3}\n');
  }, stored);
  await withEntryServer(async (_server, opts) => {
    assert.equal((await runCli(['entry', 'count'], [], opts)).stdout, '1 registration entry\n');
  }, stored.slice(0, 1));
});
