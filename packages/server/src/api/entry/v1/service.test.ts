import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { types } from '@tspire/proto';
import { TD_ID, id, sel, withApi, type ApiFixture } from '../../testing/fixture.test-helper.js';

const AGENT = id('/spire/agent/join_token/abc');
const web = (extra: Record<string, unknown> = {}) => ({ spiffeId: id('/web'), parentId: AGENT, selectors: [sel('unix', 'uid:1000')], ...extra });

async function rejectsWith(promise: Promise<unknown>, code: Code, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, err.rawMessage);
    assert.match(err.rawMessage, message);
    return true;
  });
}

async function createOk(f: ApiFixture, entry: Record<string, unknown>): Promise<types.Entry> {
  const { results } = await f.entry.batchCreateEntry({ entries: [entry] });
  assert.equal(results[0]?.status?.code, 0, results[0]?.status?.message);
  assert.ok(results[0]?.entry);
  return results[0].entry;
}

describe('Entry service', () => {
  it('creates, gets, lists, counts, updates and deletes an entry', () => withApi(async (f) => {
    const created = await createOk(f, web({ dnsNames: ['web.example.org'], federatesWith: [], hint: 'h', x509SvidTtl: 60, jwtSvidTtl: 30, admin: true }));
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ td: created.spiffeId?.trustDomain, path: created.spiffeId?.path }, { td: 'example.org', path: '/web' });
    assert.equal(created.x509SvidTtl, 60);
    assert.equal(created.createdAt, 1_700_000_000n);

    const got = await f.entry.getEntry({ id: created.id });
    assert.equal(got.hint, 'h');
    assert.deepEqual(got.dnsNames, ['web.example.org']);
    assert.equal(got.admin, true);
    assert.equal((await f.entry.countEntries({})).count, 1);

    const { results: upd } = await f.entry.batchUpdateEntry({
      entries: [{ id: created.id, hint: 'new hint', x509SvidTtl: 999 }],
      inputMask: { hint: true },
    });
    assert.equal(upd[0]?.status?.code, 0, upd[0]?.status?.message);
    assert.equal(upd[0]?.entry?.hint, 'new hint');
    assert.equal(upd[0]?.entry?.x509SvidTtl, 60, 'fields outside the input mask are kept');
    assert.equal(upd[0]?.entry?.revisionNumber, 1n);

    const { results: del } = await f.entry.batchDeleteEntry({ ids: [created.id] });
    assert.deepEqual(del.map((r) => [r.status?.code, r.status?.message, r.id]), [[0, 'OK', created.id]]);
    await rejectsWith(f.entry.getEntry({ id: created.id }), Code.NotFound, /^entry not found$/);
  }));

  it('keeps request order in batch create with per-item failures and returns the similar entry', () => withApi(async (f) => {
    const first = await createOk(f, web());
    const { results } = await f.entry.batchCreateEntry({
      entries: [
        web({ spiffeId: id('/a') }),
        web(),
        web({ spiffeId: id('/b', 'other.org') }),
        web({ spiffeId: id('/c'), id: 'custom-id.1' }),
      ],
    });
    assert.deepEqual(results.map((r) => r.status?.code), [0, Code.AlreadyExists, Code.InvalidArgument, 0]);
    assert.equal(results[1]?.status?.message, 'similar entry already exists');
    assert.equal(results[1]?.entry?.id, first.id, 'the existing entry comes back');
    assert.match(results[2]?.status?.message ?? '', /^failed to convert entry: invalid spiffe ID: "spiffe:\/\/other.org\/b" is not a member of trust domain "example.org"$/);
    assert.equal(results[3]?.entry?.id, 'custom-id.1');
    assert.equal((await f.entry.countEntries({})).count, 3);
  }));

  it('creates a batch in one datastore transaction; bad items fail alone, later items see earlier ones', () => withApi(async (f) => {
    const calls = { batches: [] as number[], singles: 0 };
    const createEntries = f.ds.createEntries.bind(f.ds);
    f.ds.createEntries = (list) => { calls.batches.push(list.length); return createEntries(list); };
    const createEntry = f.ds.createEntry.bind(f.ds);
    f.ds.createEntry = (e) => { calls.singles++; return createEntry(e); };
    const { results } = await f.entry.batchCreateEntry({
      entries: [web({ hint: 'first' }), web({ spiffeId: id('/x', 'other.org') }), web({ hint: 'dup' }), web({ spiffeId: id('/y') })],
      outputMask: { hint: true },
    });
    assert.deepEqual(calls, { batches: [3], singles: 0 });
    assert.deepEqual(results.map((r) => r.status?.code), [0, Code.InvalidArgument, Code.AlreadyExists, 0]);
    assert.match(results[1]?.status?.message ?? '', /^failed to convert entry: /);
    assert.equal(results[1]?.entry, undefined);
    assert.equal(results[2]?.status?.message, 'similar entry already exists');
    assert.equal(results[2]?.entry?.id, results[0]?.entry?.id, 'the entry created earlier in the same batch is returned');
    assert.equal(results[2]?.entry?.hint, 'first');
    assert.equal(results[2]?.entry?.spiffeId, undefined, 'output mask applies to the similar entry');
    assert.equal((await f.entry.countEntries({})).count, 2);
  }));

  it('falls back to one transaction per entry when the batch transaction fails as a whole', () => withApi(async (f) => {
    f.ds.createEntries = async () => { throw new Error('injected batch failure'); };
    const { results } = await f.entry.batchCreateEntry({ entries: [web(), web(), web({ spiffeId: id('/z') })] });
    assert.deepEqual(results.map((r) => r.status?.code), [0, Code.AlreadyExists, 0]);
    assert.equal(results[1]?.entry?.id, results[0]?.entry?.id);
    assert.equal((await f.entry.countEntries({})).count, 2);
    assert.ok(f.logger.lines.some((l) => l.level === 'warn' && /batch entry create rolled back/.test(l.msg)));
  }));

  it('applies the output mask (id always present)', () => withApi(async (f) => {
    const { results } = await f.entry.batchCreateEntry({ entries: [web({ hint: 'x' })], outputMask: { hint: true } });
    const e = results[0]?.entry;
    assert.ok(e !== undefined && e.id !== '');
    assert.equal(e.hint, 'x');
    assert.equal(e.spiffeId, undefined);
    assert.deepEqual(e.selectors, []);
    const got = await f.entry.getEntry({ id: e.id, outputMask: { selectors: true } });
    assert.deepEqual(got.selectors.map((s) => `${s.type}:${s.value}`), ['unix:uid:1000']);
    assert.equal(got.hint, '');
  }));

  describe('rejects bad entries with a reason naming the field and changes nothing', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['missing spiffe id', web({ spiffeId: undefined }), /invalid spiffe ID: request must specify SPIFFE ID/],
      ['uppercase trust domain', web({ spiffeId: id('/x', 'Example.org') }), /invalid spiffe ID: trust domain characters are limited to/],
      ['bad path char', web({ spiffeId: id('/a b') }), /invalid spiffe ID: path segment characters are limited to/],
      ['path without leading slash', web({ spiffeId: id('web') }), /invalid spiffe ID: path must have a leading slash/],
      ['empty path', web({ spiffeId: id('') }), /invalid spiffe ID: .* path is empty/],
      ['reserved path', web({ spiffeId: id('/spire/x') }), /invalid spiffe ID: .*"\/spire\/\*" namespace is reserved/],
      ['other trust domain', web({ spiffeId: id('/x', 'other.org') }), /invalid spiffe ID: .*not a member of trust domain "example.org"/],
      ['parent in other td', web({ parentId: id('/agent', 'other.org') }), /invalid parent ID: .*not a member/],
      ['parent with dot segment', web({ parentId: id('/a/../b') }), /invalid parent ID: path cannot contain dot segments/],
      ['missing parent', web({ parentId: undefined }), /invalid parent ID: request must specify SPIFFE ID/],
      ['no selectors', web({ selectors: [] }), /invalid selectors: selector list is empty/],
      ['selector without type', web({ selectors: [sel('', 'x')] }), /selector 1: missing selector type/],
      ['selector type with colon', web({ selectors: [sel('unix:uid', '1')] }), /selector 1: selector type contains ':'/],
      ['selector without value', web({ selectors: [sel('unix', 'uid:1'), sel('unix', '')] }), /selector 2: missing selector value/],
      ['negative x509 ttl', web({ x509SvidTtl: -1 }), /invalid x509_svid_ttl: must be between 0/],
      ['negative jwt ttl', web({ jwtSvidTtl: -5 }), /invalid jwt_svid_ttl/],
      ['negative expiry', web({ expiresAt: -1n }), /invalid expires_at/],
      ['bad dns name', web({ dnsNames: ['ok.example', 'bad_name'] }), /invalid DNS name "bad_name"/],
      ['long hint', web({ hint: 'h'.repeat(1025) }), /invalid hint: longer than 1024/],
      ['bad custom id', web({ id: 'has space' }), /invalid entry ID "has space"/],
      ['long custom id', web({ id: 'a'.repeat(256) }), /invalid entry ID: length must be at most 255/],
      ['bad federated td', web({ federatesWith: ['Bad TD'] }), /invalid federated trust domain "Bad TD"/],
      ['store_svid with mixed selector types', web({ storeSvid: true, selectors: [sel('a', '1'), sel('b', '2')] }), /invalid store_svid/],
    ];
    for (const [name, entry, message] of cases) {
      it(name, () => withApi(async (f) => {
        const { results } = await f.entry.batchCreateEntry({ entries: [entry] });
        assert.equal(results[0]?.status?.code, Code.InvalidArgument, results[0]?.status?.message);
        assert.match(results[0]?.status?.message ?? '', /^failed to convert entry: /);
        assert.match(results[0]?.status?.message ?? '', message);
        assert.equal(results[0]?.entry, undefined);
        assert.equal(await f.ds.countEntries(), 0);
      }));
    }
  });

  it('accepts federates_with as td or spiffe://td and returns names; unknown bundles fail', () => withApi(async (f) => {
    await f.ds.createBundle({ trustDomain: 'spiffe://fed.org', x509Authorities: [{ der: f.ca.caCertDer, tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n });
    const e = await createOk(f, web({ federatesWith: ['spiffe://fed.org'] }));
    assert.deepEqual(e.federatesWith, ['fed.org']);
    const { results } = await f.entry.batchCreateEntry({ entries: [web({ spiffeId: id('/z'), federatesWith: ['nobundle.org'] })] });
    assert.equal(results[0]?.status?.code, Code.FailedPrecondition);
    assert.match(results[0]?.status?.message ?? '', /^failed to create entry: unable to find federated bundle/);
    assert.equal(await f.ds.countEntries(), 1);
  }));

  it('batch update: unknown id -> NOT_FOUND, bad field -> INVALID_ARGUMENT, nothing changed', () => withApi(async (f) => {
    const e = await createOk(f, web());
    const { results } = await f.entry.batchUpdateEntry({
      entries: [
        { ...web(), id: 'nope' },
        { ...web({ selectors: [sel('unix', '')] }), id: e.id },
        { ...web(), id: '' },
        { ...web({ spiffeId: id('/renamed') }), id: e.id },
      ],
    });
    assert.deepEqual(results.map((r) => [r.status?.code, r.status?.message]), [
      [Code.NotFound, 'failed to update entry'],
      [Code.InvalidArgument, 'failed to convert entry: invalid selectors: selector 1: missing selector value (type "unix")'],
      [Code.InvalidArgument, 'failed to convert entry: missing entry ID'],
      [0, 'OK'],
    ]);
    const stored = await f.ds.fetchEntry(e.id);
    assert.equal(stored?.spiffeId, `${TD_ID}/renamed`);
    assert.equal(stored?.revisionNumber, 1, 'only the good update bumped the revision');
  }));

  it('batch update with nil input mask replaces every field', () => withApi(async (f) => {
    const e = await createOk(f, web({ hint: 'old', admin: true, dnsNames: ['a.example'] }));
    const { results } = await f.entry.batchUpdateEntry({ entries: [{ ...web(), id: e.id }] });
    assert.equal(results[0]?.status?.code, 0);
    assert.equal(results[0]?.entry?.hint, '');
    assert.equal(results[0]?.entry?.admin, false);
    assert.deepEqual(results[0]?.entry?.dnsNames, []);
  }));

  it('batch delete reports unknown ids as NOT_FOUND in request order', () => withApi(async (f) => {
    const a = await createOk(f, web());
    const { results } = await f.entry.batchDeleteEntry({ ids: ['missing', a.id, ''] });
    assert.deepEqual(results.map((r) => [r.id, r.status?.code, r.status?.message]), [
      ['missing', Code.NotFound, 'entry not found'],
      [a.id, 0, 'OK'],
      ['', Code.InvalidArgument, 'missing entry ID'],
    ]);
    assert.equal(await f.ds.countEntries(), 0);
  }));

  it('GetEntry without id is INVALID_ARGUMENT', () => withApi(async (f) => {
    await rejectsWith(f.entry.getEntry({ id: '' }), Code.InvalidArgument, /^missing ID$/);
  }));

  it('filters and paginates through the API', () => withApi(async (f) => {
    await f.ds.createBundle({ trustDomain: 'spiffe://fed.org', x509Authorities: [{ der: f.ca.caCertDer, tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n });
    await createOk(f, web({ spiffeId: id('/a'), selectors: [sel('unix', 'uid:1'), sel('unix', 'gid:1')], hint: 'ha' }));
    await createOk(f, web({ spiffeId: id('/b'), selectors: [sel('unix', 'uid:1')], downstream: true, federatesWith: ['fed.org'] }));
    await createOk(f, web({ spiffeId: id('/c'), parentId: id('/spire/agent/x/other'), selectors: [sel('k8s', 'ns:default')] }));
    const ids = async (filter: Record<string, unknown>) =>
      (await f.entry.listEntries({ filter })).entries.map((e) => e.spiffeId?.path).sort();
    const { MATCH_EXACT, MATCH_SUBSET, MATCH_SUPERSET, MATCH_ANY } = types.SelectorMatch_MatchBehavior;
    assert.deepEqual(await ids({ bySpiffeId: id('/b') }), ['/b']);
    assert.deepEqual(await ids({ byParentId: AGENT }), ['/a', '/b']);
    assert.deepEqual(await ids({ bySelectors: { selectors: [sel('unix', 'uid:1')], match: MATCH_EXACT } }), ['/b']);
    assert.deepEqual(await ids({ bySelectors: { selectors: [sel('unix', 'uid:1')], match: MATCH_SUBSET } }), ['/b']);
    assert.deepEqual(await ids({ bySelectors: { selectors: [sel('unix', 'uid:1')], match: MATCH_SUPERSET } }), ['/a', '/b']);
    assert.deepEqual(await ids({ bySelectors: { selectors: [sel('unix', 'gid:1'), sel('k8s', 'ns:default')], match: MATCH_ANY } }), ['/a', '/c']);
    assert.deepEqual(await ids({ byFederatesWith: { trustDomains: ['spiffe://fed.org'], match: MATCH_ANY } }), ['/b']);
    assert.deepEqual(await ids({ byHint: 'ha' }), ['/a']);
    assert.deepEqual(await ids({ byDownstream: true }), ['/b']);
    assert.deepEqual(await ids({ byDownstream: false }), ['/a', '/b', '/c'], 'false means no filter');
    assert.equal((await f.entry.countEntries({ filter: { byParentId: AGENT } })).count, 2);

    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await f.entry.listEntries({ pageSize: 2, pageToken: token });
      seen.push(...page.entries.map((e) => e.spiffeId?.path ?? ''));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== '' && pages < 10);
    assert.deepEqual(seen.sort(), ['/a', '/b', '/c']);
    assert.equal(pages, 2);
  }));

  it('rejects malformed filters and page requests', () => withApi(async (f) => {
    await rejectsWith(f.entry.listEntries({ filter: { bySelectors: { selectors: [] } } }), Code.InvalidArgument,
      /^failed to build request filter: malformed selectors filter: empty selector set$/);
    await rejectsWith(f.entry.countEntries({ filter: { byFederatesWith: { trustDomains: [] } } }), Code.InvalidArgument, /empty trust domain set/);
    await rejectsWith(f.entry.listEntries({ filter: { bySpiffeId: id('/x', 'BAD') } }), Code.InvalidArgument, /malformed by_spiffe_id filter: trust domain characters/);
    await rejectsWith(f.entry.listEntries({ filter: { bySelectors: { selectors: [sel('a:b', 'c')] } } }), Code.InvalidArgument, /selector type contains ':'/);
    await rejectsWith(f.entry.listEntries({ pageSize: -1 }), Code.InvalidArgument, /page_size cannot be negative/);
    await rejectsWith(f.entry.listEntries({ pageSize: 1, pageToken: 'garbage' }), Code.InvalidArgument, /page token/);
  }));

  it('agent-facing RPCs are not served to local callers yet (denied) nor to agents (unimplemented)', async () => {
    await withApi(async (f) => {
      await rejectsWith(f.entry.getAuthorizedEntries({}), Code.PermissionDenied,
        /^authorization denied for method \/spire.api.server.entry.v1.Entry\/GetAuthorizedEntries$/);
    });
    await withApi(async (f) => {
      await rejectsWith(f.entry.getAuthorizedEntries({}), Code.Unimplemented, /GetAuthorizedEntries is not implemented/);
    }, { caller: { kind: 'tls', remoteAddress: '127.0.0.1', peer: { spiffeId: `${TD_ID}/spire/agent/x/y`, serialNumber: '1', notAfter: 4102444800 } }, resolveRoles: async () => new Set(['agent'] as const) });
  });
});
