// A real SQLite datastore in a temp dir, a fake clock, a test CA and an in-memory connect
// transport to the API services as a local (admin socket) caller.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createRouterTransport, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { agentv1, bundlev1, debugv1, entryv1, healthv1, svidv1, trustdomainv1 } from '@tspire/proto';
import { TrustDomain } from '@tspire/spiffe';
import { openDatastore } from '../../datastore/open.js';
import type { SqlDatastore } from '../../datastore/sql/sql-datastore.js';
import type { RoleResolver } from '../authorization.js';
import { callerKey, type CallerContext } from '../caller.js';
import type { ApiDeps, ApiLogger } from '../deps.js';
import { registerServerApi, serverApiInterceptors, type ServerApiOptions } from '../services.js';
import { createTestCa, type TestCa } from './test-ca.test-helper.js';

export const TD_NAME = 'example.org';
export const TD_ID = 'spiffe://example.org';
export const START_SECONDS = 1_700_000_000;

export interface LogLine { level: string; msg: string; fields: Readonly<Record<string, unknown>> }

export function capturingLogger(): ApiLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields: Readonly<Record<string, unknown>> = {}) => { lines.push({ level, msg, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface ApiFixture {
  dir: string;
  ds: SqlDatastore;
  deps: ApiDeps;
  ca: TestCa;
  logger: ReturnType<typeof capturingLogger>;
  clock: { nowMs(): number; advance(seconds: number): void };
  transport: Transport;
  entry: Client<typeof entryv1.Entry>;
  agent: Client<typeof agentv1.Agent>;
  bundle: Client<typeof bundlev1.Bundle>;
  svid: Client<typeof svidv1.SVID>;
  trustDomain: Client<typeof trustdomainv1.TrustDomain>;
  debug: Client<typeof debugv1.Debug>;
  health: Client<typeof healthv1.Health>;
}

export interface FixtureOptions {
  /** store the server's own bundle (default true) */
  ownBundle?: boolean;
  caller?: CallerContext;
  resolveRoles?: RoleResolver;
  api?: ServerApiOptions;
  uuids?: string[];
}

/** Runs `fn` with a fresh fixture and removes everything afterwards. */
export async function withApi(fn: (f: ApiFixture) => Promise<void>, options: FixtureOptions = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-api-'));
  let nowMs = START_SECONDS * 1000;
  const clock = { nowMs: () => nowMs, advance: (s: number) => { nowMs += s * 1000; } };
  const nowSeconds = () => Math.floor(nowMs / 1000);
  const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: join(dir, 'datastore.sqlite3'), now: nowSeconds });
  try {
    const ca = await createTestCa(TD_NAME, nowSeconds);
    if (options.ownBundle !== false) {
      await ds.createBundle({ trustDomain: TD_ID, x509Authorities: [{ der: ca.caCertDer, tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 1n });
    }
    const logger = capturingLogger();
    const uuids = [...(options.uuids ?? [])];
    const deps: ApiDeps = {
      datastore: ds, trustDomain: TrustDomain.parse(TD_NAME), clock, logger, mintAuthority: ca,
      ...(options.uuids !== undefined ? { randomUuid: () => uuids.shift() ?? 'exhausted' } : {}),
    };
    const caller = options.caller ?? { kind: 'local' };
    const setCaller: Interceptor = (next) => (req) => {
      req.contextValues.set(callerKey, caller);
      return next(req);
    };
    const transport = createRouterTransport((router) => registerServerApi(router, deps, options.api), {
      router: { interceptors: [setCaller, ...serverApiInterceptors(deps, options.resolveRoles)] },
    });
    await fn({
      dir, ds, deps, ca, logger, clock, transport,
      entry: createClient(entryv1.Entry, transport),
      agent: createClient(agentv1.Agent, transport),
      bundle: createClient(bundlev1.Bundle, transport),
      svid: createClient(svidv1.SVID, transport),
      trustDomain: createClient(trustdomainv1.TrustDomain, transport),
      debug: createClient(debugv1.Debug, transport),
      health: createClient(healthv1.Health, transport),
    });
  } finally {
    await ds.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const id = (path: string, trustDomain = TD_NAME) => ({ trustDomain, path });
export const sel = (type: string, value: string) => ({ type, value });
