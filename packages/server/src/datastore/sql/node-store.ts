// Attested nodes and their node selectors. Every change appends an attested_node_events row in
// the same transaction (see event-store.ts).
import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import { DatastoreError, invalidArgument, notFound } from '../errors.js';
import {
  NODE_FIELDS, type AttestedNode, type ListNodesRequest, type ListNodesResult, type NodeField, type NodeFilter,
  type Selector,
} from '../types.js';
import { chunks, flag, isUniqueViolation, single, snapshot, write, type Db, type SqlContext } from './context.js';
import { appendNodeEvent, appendNodeEvents } from './event-store.js';
import { pageOf, pageWindow } from './pagination.js';
import type { AttestedNodeEntriesTable } from './schema.js';
import { checkMatchMode, checkSelectors, selectorMember, setMatchCondition } from './set-match.js';
import { updateMask } from './update-mask.js';

type NodeRow = Selectable<AttestedNodeEntriesTable>;

function nodeFromRow(row: NodeRow): AttestedNode {
  return {
    spiffeId: row.spiffe_id,
    attestationType: row.data_type,
    certSerialNumber: row.serial_number,
    certNotAfter: Number(row.expires_at),
    newCertSerialNumber: row.new_serial_number,
    newCertNotAfter: Number(row.new_expires_at),
    canReattest: Number(row.can_reattest) === 1,
    agentVersion: row.agent_version,
  };
}

function nodeColumns(n: AttestedNode) {
  return {
    data_type: n.attestationType, serial_number: n.certSerialNumber, expires_at: n.certNotAfter,
    new_serial_number: n.newCertSerialNumber, new_expires_at: n.newCertNotAfter,
    can_reattest: flag(n.canReattest), agent_version: n.agentVersion,
  };
}

const COLUMN_FIELD = {
  data_type: 'attestationType', serial_number: 'certSerialNumber', expires_at: 'certNotAfter',
  new_serial_number: 'newCertSerialNumber', new_expires_at: 'newCertNotAfter', can_reattest: 'canReattest',
  agent_version: 'agentVersion',
} as const satisfies Record<string, NodeField>;

function checkNode(node: AttestedNode, fields: ReadonlySet<NodeField>): void {
  if (typeof node?.spiffeId !== 'string' || node.spiffeId === '') throw invalidArgument('missing attested node spiffeId');
  for (const key of ['attestationType', 'certSerialNumber', 'newCertSerialNumber', 'agentVersion'] as const) {
    if (fields.has(key) && typeof node[key] !== 'string') throw invalidArgument(`attested node ${key} must be a string`);
  }
  for (const key of ['certNotAfter', 'newCertNotAfter'] as const) {
    if (fields.has(key) && !Number.isSafeInteger(node[key])) throw invalidArgument(`attested node ${key} must be an integer`);
  }
}

export async function createAttestedNode(ctx: SqlContext, node: AttestedNode): Promise<AttestedNode> {
  checkNode(node, new Set(NODE_FIELDS));
  const selectors = node.selectors === undefined ? undefined : checkSelectors(node.selectors, 'attested node');
  return write(ctx, async (trx) => {
    const now = ctx.now();
    try {
      await trx.insertInto('attested_node_entries')
        .values({ spiffe_id: node.spiffeId, ...nodeColumns(node), created_at: now, updated_at: now }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DatastoreError('ERR_DATASTORE_ALREADY_EXISTS', 'attested node already exists');
      throw err;
    }
    if (selectors !== undefined) await replaceNodeSelectors(trx, node.spiffeId, selectors);
    await appendNodeEvent(trx, node.spiffeId, now);
    const created: AttestedNode = {
      spiffeId: node.spiffeId, attestationType: node.attestationType, certSerialNumber: node.certSerialNumber,
      certNotAfter: node.certNotAfter, newCertSerialNumber: node.newCertSerialNumber,
      newCertNotAfter: node.newCertNotAfter, canReattest: node.canReattest === true, agentVersion: node.agentVersion,
    };
    if (selectors !== undefined) created.selectors = selectors;
    return created;
  });
}

/**
 * Records a successful attestation in ONE transaction (see DataStore.recordNodeAttestation):
 * insert-or-update the node, replace its selectors, append one node event. The update skips a
 * banned row (empty serial), so a ban that commits first is never overwritten.
 */
export async function recordNodeAttestation(ctx: SqlContext, node: AttestedNode, selectors: readonly Selector[]): Promise<AttestedNode> {
  checkNode(node, new Set(NODE_FIELDS));
  if (node.certSerialNumber === '') throw invalidArgument('an attestation must record the certificate serial number');
  const unique = checkSelectors(selectors, 'node selectors');
  const attested = { ...node, newCertSerialNumber: '', newCertNotAfter: 0 };
  return write(ctx, async (trx) => {
    const now = ctx.now();
    const insert = () => trx.insertInto('attested_node_entries')
      .values({ spiffe_id: node.spiffeId, ...nodeColumns(attested), created_at: now, updated_at: now });
    let row = await insert().onConflict((oc) => oc.column('spiffe_id').doNothing()).returningAll().executeTakeFirst();
    if (row === undefined) {
      // agentVersion is kept: the agent reports it again with PostStatus.
      const { agent_version: _kept, ...columns } = nodeColumns(attested);
      row = await trx.updateTable('attested_node_entries').set({ ...columns, updated_at: now })
        .where('spiffe_id', '=', node.spiffeId).where('serial_number', '<>', '').returningAll().executeTakeFirst();
    }
    if (row === undefined) {
      const exists = await trx.selectFrom('attested_node_entries').select('id').where('spiffe_id', '=', node.spiffeId).executeTakeFirst();
      if (exists !== undefined) throw new DatastoreError('ERR_DATASTORE_FAILED_PRECONDITION', 'attested node is banned');
      row = await insert().returningAll().executeTakeFirstOrThrow(); // deleted between our statements
    }
    await replaceNodeSelectors(trx, node.spiffeId, unique);
    await appendNodeEvent(trx, node.spiffeId, now);
    return { ...nodeFromRow(row), selectors: unique };
  });
}

export async function fetchAttestedNode(
  ctx: SqlContext,
  spiffeId: string,
  withSelectors: boolean,
): Promise<AttestedNode | null> {
  return snapshot(ctx, async (trx) => {
    const row = await trx.selectFrom('attested_node_entries').selectAll().where('spiffe_id', '=', spiffeId).executeTakeFirst();
    if (row === undefined) return null;
    const node = nodeFromRow(row);
    if (withSelectors) node.selectors = (await loadNodeSelectors(trx, [spiffeId])).get(spiffeId) ?? [];
    return node;
  });
}

function nodeConditions(filter: NodeFilter | undefined): RawBuilder<SqlBool>[] {
  if (filter === undefined) return [];
  const out: RawBuilder<SqlBool>[] = [];
  if (filter.byAttestationType !== undefined) out.push(sql<SqlBool>`attested_node_entries.data_type = ${filter.byAttestationType}`);
  if (filter.byBanned === true) out.push(sql<SqlBool>`attested_node_entries.serial_number = ''`);
  if (filter.byBanned === false) out.push(sql<SqlBool>`attested_node_entries.serial_number <> ''`);
  if (filter.byCanReattest !== undefined) out.push(sql<SqlBool>`attested_node_entries.can_reattest = ${flag(filter.byCanReattest)}`);
  if (filter.byExpiresBefore !== undefined) out.push(sql<SqlBool>`attested_node_entries.expires_at < ${filter.byExpiresBefore}`);
  if (filter.bySelectorMatch !== undefined) {
    const mode = checkMatchMode(filter.bySelectorMatch.match, 'selector');
    const selectors = checkSelectors(filter.bySelectorMatch.selectors, 'node selector filter');
    if (selectors.length === 0) throw invalidArgument('cannot list by empty selector set');
    out.push(setMatchCondition({
      from: sql`node_selectors ns`,
      owner: sql`ns.spiffe_id`,
      outer: sql.ref('attested_node_entries.spiffe_id'),
      member: selectorMember('ns', selectors),
      size: selectors.length,
    }, mode));
  }
  return out;
}

export async function listAttestedNodes(ctx: SqlContext, request: ListNodesRequest | undefined): Promise<ListNodesResult> {
  const conditions = nodeConditions(request?.filter);
  const window = pageWindow(request);
  return snapshot(ctx, async (trx) => {
    let q = trx.selectFrom('attested_node_entries').selectAll();
    for (const c of conditions) q = q.where(c);
    if (window.afterId > 0) q = q.where('id', '>', window.afterId);
    q = q.orderBy('id');
    if (window.limit !== undefined) q = q.limit(window.limit);
    const page = pageOf(await q.execute(), window);
    const nodes = page.rows.map(nodeFromRow);
    if (request?.withSelectors === true) {
      const selectors = await loadNodeSelectors(trx, nodes.map((n) => n.spiffeId));
      for (const node of nodes) node.selectors = selectors.get(node.spiffeId) ?? [];
    }
    return { nodes, nextPageToken: page.nextPageToken };
  });
}

export async function countAttestedNodes(ctx: SqlContext, filter: NodeFilter | undefined): Promise<number> {
  const conditions = nodeConditions(filter);
  const row = await single(ctx, (db) => {
    let q = db.selectFrom('attested_node_entries').select((eb) => eb.fn.countAll<number>().as('count'));
    for (const c of conditions) q = q.where(c);
    return q.executeTakeFirstOrThrow();
  });
  return Number(row.count);
}

export async function updateAttestedNode(
  ctx: SqlContext,
  node: AttestedNode,
  mask: Iterable<NodeField> | undefined,
): Promise<AttestedNode> {
  const fields = updateMask(mask, NODE_FIELDS, 'attested node');
  checkNode(node, fields);
  const columns: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(nodeColumns(node))) {
    if (fields.has(COLUMN_FIELD[key as keyof typeof COLUMN_FIELD])) columns[key] = value;
  }
  return write(ctx, async (trx) => {
    const now = ctx.now();
    const row = await trx.updateTable('attested_node_entries').set({ ...columns, updated_at: now })
      .where('spiffe_id', '=', node.spiffeId).returningAll().executeTakeFirst();
    if (row === undefined) throw notFound('attested node');
    await appendNodeEvent(trx, node.spiffeId, now);
    return nodeFromRow(row);
  });
}

export async function deleteAttestedNode(ctx: SqlContext, spiffeId: string): Promise<AttestedNode> {
  return write(ctx, async (trx) => {
    const row = await trx.deleteFrom('attested_node_entries').where('spiffe_id', '=', spiffeId).returningAll().executeTakeFirst();
    if (row === undefined) throw notFound('attested node');
    await trx.deleteFrom('node_selectors').where('spiffe_id', '=', spiffeId).execute();
    await appendNodeEvent(trx, spiffeId, ctx.now());
    return nodeFromRow(row);
  });
}

export async function setNodeSelectors(ctx: SqlContext, spiffeId: string, selectors: readonly Selector[]): Promise<void> {
  if (typeof spiffeId !== 'string' || spiffeId === '') throw invalidArgument('missing attested node spiffeId');
  const unique = checkSelectors(selectors, 'node selectors');
  await write(ctx, async (trx) => {
    await replaceNodeSelectors(trx, spiffeId, unique);
    await appendNodeEvent(trx, spiffeId, ctx.now());
  });
}

export async function getNodeSelectors(ctx: SqlContext, spiffeId: string): Promise<Selector[]> {
  return (await single(ctx, (db) => loadNodeSelectors(db, [spiffeId]))).get(spiffeId) ?? [];
}

export async function listNodeSelectors(ctx: SqlContext, validAt: number | undefined): Promise<Map<string, Selector[]>> {
  const rows = await single(ctx, (db) => {
    let q = db.selectFrom('node_selectors').select(['node_selectors.spiffe_id', 'node_selectors.type', 'node_selectors.value']);
    if (validAt !== undefined) {
      q = q.innerJoin('attested_node_entries as n', 'n.spiffe_id', 'node_selectors.spiffe_id').where('n.expires_at', '>', validAt);
    }
    return q.orderBy('node_selectors.id').execute();
  });
  return groupSelectors(rows);
}

export async function pruneAttestedExpiredNodes(
  ctx: SqlContext,
  expiredBefore: number,
  includeNonReattestable: boolean,
): Promise<number> {
  if (!Number.isFinite(expiredBefore)) throw invalidArgument('expiredBefore must be a number');
  return write(ctx, async (trx) => {
    // Banned nodes (empty serial) are kept so the ban outlives the SVID, as SPIRE does.
    let q = trx.selectFrom('attested_node_entries').select('spiffe_id')
      .where('expires_at', '<', expiredBefore).where('serial_number', '<>', '');
    if (!includeNonReattestable) q = q.where('can_reattest', '=', 1);
    const ids = (await q.execute()).map((r) => r.spiffe_id);
    for (const chunk of chunks(ids)) {
      await trx.deleteFrom('node_selectors').where('spiffe_id', 'in', chunk).execute();
      await trx.deleteFrom('attested_node_entries').where('spiffe_id', 'in', chunk).execute();
    }
    await appendNodeEvents(trx, ids, ctx.now());
    if (ids.length > 0) ctx.logger.info('datastore: pruned expired attested nodes', { count: ids.length });
    return ids.length;
  });
}

async function replaceNodeSelectors(trx: Db, spiffeId: string, selectors: readonly Selector[]): Promise<void> {
  await trx.deleteFrom('node_selectors').where('spiffe_id', '=', spiffeId).execute();
  if (selectors.length === 0) return;
  await trx.insertInto('node_selectors')
    .values(selectors.map((s) => ({ spiffe_id: spiffeId, type: s.type, value: s.value }))).execute();
}

async function loadNodeSelectors(db: Db, spiffeIds: readonly string[]): Promise<Map<string, Selector[]>> {
  const rows: { spiffe_id: string; type: string; value: string }[] = [];
  for (const chunk of chunks([...new Set(spiffeIds)])) {
    rows.push(...(await db.selectFrom('node_selectors').select(['spiffe_id', 'type', 'value'])
      .where('spiffe_id', 'in', chunk).orderBy('id').execute()));
  }
  return groupSelectors(rows);
}

function groupSelectors(rows: readonly { spiffe_id: string; type: string; value: string }[]): Map<string, Selector[]> {
  const out = new Map<string, Selector[]>();
  for (const r of rows) {
    const list = out.get(r.spiffe_id);
    const selector = { type: r.type, value: r.value };
    if (list === undefined) out.set(r.spiffe_id, [selector]);
    else list.push(selector);
  }
  return out;
}
