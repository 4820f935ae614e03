import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, createClient, createRouterTransport, type Client, type Interceptor } from '@connectrpc/connect';
import { entryv1, type types } from '@tspire/proto';
import { createAuthorizedEntriesCache, type AuthorizedEntriesCache } from '../../../entries/authorized-entries-cache.js';
import type { NewRegistrationEntry, RegistrationEntry } from '../../../datastore/types.js';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, sel, withApi, type ApiFixture } from '../../testing/fixture.test-helper.js';
import { callerKey, type CallerContext } from '../../caller.js';
import type { AgentApiDeps, AuthorizedEntriesView } from '../../deps.js';
import { serverApiInterceptors } from '../../services.js';
import { createEntryService } from './service.js';

const AGENT = `${TD_ID}/spire/agent/x509pop/node1`;
const OTHER = `${TD_ID}/spire/agent/x509pop/node2`;
const SERVER = `${TD_ID}/spire/server`;
const agentCaller = (spiffeId: string): CallerContext =>
  ({ kind: 'tls', remoteAddress: '10.0.0.1', peer: { spiffeId, serialNumber: '7', notAfter: START_SECONDS + 3600 } });
/** The mask SPIRE's agent sends. */
const AGENT_MASK = {
  spiffeId: true, selectors: true, federatesWith: true, admin: true, downstream: true, revisionNumber: true,
  storeSvid: true, hint: true, additionalAttributes: true, createdAt: true,
};

interface AgentSide {
  entry: Client<typeof entryv1.Entry>;
  cache: AuthorizedEntriesCache;
}

/** The Entry service as an agent reaches it over TCP: tls caller, agent role, a real cache. */
async function agentSide(f: ApiFixture, options: { caller?: CallerContext; pageSize?: number; view?: AuthorizedEntriesView } = {}): Promise<AgentSide> {
  const cache = createAuthorizedEntriesCache({
    datastore: f.ds, trustDomain: f.deps.trustDomain, logger: f.logger,
    clock: { nowMs: () => f.clock.nowMs(), after: () => () => {} }, // no timer: tests call refresh()
  });
  await cache.start();
  const agentApi: AgentApiDeps = {
    authorizedEntries: options.view ?? cache,
    signer: { signX509Svids: async () => { throw new Error('not used here'); } },
    nodeAttestors: new Map(),
    agentTtlSeconds: 0,
  };
  const deps = { ...f.deps, agentApi };
  const caller = options.caller ?? agentCaller(AGENT);
  const setCaller: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
  const transport = createRouterTransport(
    (router) => router.service(entryv1.Entry, createEntryService(deps, options.pageSize === undefined ? {} : { syncPageSize: options.pageSize })),
    { router: { interceptors: [setCaller, ...serverApiInterceptors(deps, async () => new Set(['agent'] as const))] } },
  );
  return { entry: createClient(entryv1.Entry, transport), cache };
}

async function createEntry(f: ApiFixture, parentId: string, path: string, extra: Partial<NewRegistrationEntry> = {}): Promise<RegistrationEntry> {
  return f.ds.createEntry({ parentId, spiffeId: `${TD_ID}${path}`, selectors: [sel('unix', `uid:${path.length}`)], ...extra });
}

/** Requests the test pushes one at a time, so the exchange is really interactive. */
function requestQueue() {
  const waiting: ((r: IteratorResult<entryv1.SyncAuthorizedEntriesRequest>) => void)[] = [];
  const queued: IteratorResult<entryv1.SyncAuthorizedEntriesRequest>[] = [];
  const deliver = (r: IteratorResult<entryv1.SyncAuthorizedEntriesRequest>) => {
    const resolve = waiting.shift();
    if (resolve) resolve(r);
    else queued.push(r);
  };
  return {
    send: (req: MessageInitShape<typeof entryv1.SyncAuthorizedEntriesRequestSchema>) =>
      deliver({ done: false, value: create(entryv1.SyncAuthorizedEntriesRequestSchema, req) }),
    close: () => deliver({ done: true, value: undefined }),
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<entryv1.SyncAuthorizedEntriesRequest>>((resolve) => {
        const r = queued.shift();
        if (r) resolve(r);
        else waiting.push(resolve);
      }),
      // connect ends the request side this way when the server finishes first
      return: async () => ({ done: true as const, value: undefined }),
      throw: async (err: unknown) => { throw err; },
    }),
  };
}

const paths = (entries: readonly types.Entry[]) => entries.map((e) => e.spiffeId?.path ?? '?');

describe('Entry.GetAuthorizedEntries', () => {
  it('returns direct, alias and descendant entries of the calling agent with the output mask', () => withApi(async (f) => {
    await createEntry(f, SERVER, '/group', { selectors: [sel('x509pop', 'subject:cn:node1')] });
    await f.ds.createAttestedNode({
      spiffeId: AGENT, attestationType: 'x509pop', certSerialNumber: '7', certNotAfter: START_SECONDS + 3600,
      newCertSerialNumber: '', newCertNotAfter: 0, canReattest: true, agentVersion: '', selectors: [sel('x509pop', 'subject:cn:node1')],
    });
    await createEntry(f, AGENT, '/direct', { dnsNames: ['direct.example.org'] });
    await createEntry(f, `${TD_ID}/group`, '/via-alias');
    await createEntry(f, `${TD_ID}/direct`, '/descendant');
    await createEntry(f, OTHER, '/not-mine');
    const { entry } = await agentSide(f);
    const { entries } = await entry.getAuthorizedEntries({ outputMask: { spiffeId: true, revisionNumber: true } });
    assert.deepEqual(paths(entries).sort(), ['/descendant', '/direct', '/via-alias']);
    const direct = entries.find((e) => e.spiffeId?.path === '/direct');
    assert.ok(direct && direct.id !== '');
    assert.deepEqual(direct.dnsNames, [], 'dns_names is outside the mask');
    assert.equal(direct.parentId, undefined);
    const full = await entry.getAuthorizedEntries({});
    assert.deepEqual(full.entries.find((e) => e.spiffeId?.path === '/direct')?.dnsNames, ['direct.example.org'], 'no mask = every field');
  }));

  it('refuses a TCP caller without an agent SVID even if a role resolver let it through', () => withApi(async (f) => {
    const { entry } = await agentSide(f, { caller: { kind: 'tls', remoteAddress: '10.0.0.1' } });
    await rejectsWith(entry.getAuthorizedEntries({}), Code.PermissionDenied, /^GetAuthorizedEntries requires a caller with an agent SVID$/);
  }));

  it('answers Unavailable while the cache is not loaded', () => withApi(async (f) => {
    const unloaded = createAuthorizedEntriesCache({ datastore: f.ds, trustDomain: f.deps.trustDomain, clock: { nowMs: () => 0, after: () => () => {} } });
    const { entry } = await agentSide(f, { view: unloaded });
    await rejectsWith(entry.getAuthorizedEntries({}), Code.Unavailable, /authorized-entries cache is not loaded yet/);
  }));
});

describe('Entry.SyncAuthorizedEntries', () => {
  it('sends everything in one response when the entries fit in a page', () => withApi(async (f) => {
    await createEntry(f, AGENT, '/a');
    await createEntry(f, AGENT, '/b', { hint: 'h' });
    const { entry } = await agentSide(f, { pageSize: 2 });
    const requests = requestQueue();
    requests.send({ outputMask: AGENT_MASK });
    const responses = [];
    for await (const response of entry.syncAuthorizedEntries(requests)) responses.push(response);
    assert.equal(responses.length, 1);
    assert.equal(responses[0]?.more, false);
    assert.deepEqual(responses[0]?.entryRevisions, []);
    assert.deepEqual(paths(responses[0]?.entries ?? []).sort(), ['/a', '/b']);
    const b = responses[0]?.entries.find((e) => e.spiffeId?.path === '/b');
    assert.ok(b);
    assert.equal(b.hint, 'h');
    assert.equal(b.parentId, undefined, 'the agent mask leaves parent_id out');
  }));

  it('pages revisions, then serves the ids the agent asks for, still authorized only', () => withApi(async (f) => {
    const mine = [];
    for (const path of ['/e1', '/e2', '/e3', '/e4', '/e5']) mine.push(await createEntry(f, AGENT, path));
    const foreign = await createEntry(f, OTHER, '/foreign');
    const updated = await f.ds.updateEntry({ ...(mine[1] as RegistrationEntry), hint: 'v2' }, ['hint']);
    mine[1] = updated; // ids are random UUIDs: the updated entry may sort anywhere
    const { entry, cache } = await agentSide(f, { pageSize: 2 });
    const sorted = [...mine].sort((a, b) => (a.id < b.id ? -1 : 1));
    const requests = requestQueue();
    const stream = entry.syncAuthorizedEntries(requests)[Symbol.asyncIterator]();
    const next = async () => (await stream.next()).value as entryv1.SyncAuthorizedEntriesResponse;

    requests.send({ outputMask: AGENT_MASK });
    const revisionPages = [await next(), await next(), await next()];
    assert.deepEqual(revisionPages.map((p) => p.more), [true, true, false]);
    assert.deepEqual(revisionPages.map((p) => p.entries.length), [0, 0, 0]);
    const revisions = revisionPages.flatMap((p) => p.entryRevisions);
    assert.deepEqual(revisions.map((r) => r.id), sorted.map((e) => e.id), 'every authorized entry, sorted by id');
    assert.equal(revisions.find((r) => r.id === updated.id)?.revisionNumber, 1n);
    assert.ok(revisions.every((r) => r.createdAt === BigInt(START_SECONDS)));

    const [a, b, c] = sorted as [RegistrationEntry, RegistrationEntry, RegistrationEntry];
    requests.send({ ids: [c.id, a.id, 'unknown-id', foreign.id, b.id, a.id] });
    const first = await next();
    const second = await next();
    assert.deepEqual([first.entries.map((e) => e.id), first.more], [[a.id, b.id], true]);
    assert.deepEqual([second.entries.map((e) => e.id), second.more], [[c.id], false]);
    assert.equal(first.entries[0]?.revisionNumber, BigInt(a.revisionNumber));

    await f.ds.deleteEntry(a.id);
    await cache.refresh();
    requests.send({ ids: [a.id] });
    const none = await next();
    assert.deepEqual([none.entries, none.more], [[], false], 'a deleted entry is not served; one empty page answers');

    requests.close();
    assert.equal((await stream.next()).done, true, 'the server ends when the agent closes');
  }));

  it('refuses ids on the first request and a mask without revision_number', () => withApi(async (f) => {
    const { entry } = await agentSide(f);
    const collect = async (first: MessageInitShape<typeof entryv1.SyncAuthorizedEntriesRequestSchema>) => {
      const requests = requestQueue();
      requests.send(first);
      for await (const _ of entry.syncAuthorizedEntries(requests)) { /* drain */ }
    };
    await rejectsWith(collect({ ids: ['x'] }), Code.InvalidArgument, /^specifying IDs on initial request is not supported$/);
    await rejectsWith(collect({ outputMask: { spiffeId: true } }), Code.InvalidArgument, /^revision number is required on the output mask$/);
  }));

  it('is not served without the agent-facing API', () => withApi(async (f) => {
    const requests = requestQueue();
    requests.send({});
    const drain = async () => { for await (const _ of f.entry.syncAuthorizedEntries(requests)) { /* drain */ } };
    await rejectsWith(drain(), Code.Unimplemented, /SyncAuthorizedEntries is not implemented/);
  }, { caller: agentCaller(AGENT), resolveRoles: async () => new Set(['agent'] as const) }));
});
