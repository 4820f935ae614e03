// grpc.health.v1.Health as SPIRE serves it: only the overall ("") service; SERVING iff the
// server's own bundle can be fetched from the datastore.
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { healthv1 } from '@tspire/proto';
import { resolveDeps, type ApiDeps } from '../../deps.js';
import { invalidArgument } from '../../errors.js';

const { SERVING, NOT_SERVING } = healthv1.HealthCheckResponse_ServingStatus;

export interface HealthOptions {
  /** Watch re-checks this often (ms) when the clock can sleep; default 5000 */
  watchIntervalMs?: number;
  /** waits for Watch; without it Watch sends the current status once and ends */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function createHealthService(apiDeps: ApiDeps, options: HealthOptions = {}): ServiceImpl<typeof healthv1.Health> {
  const { datastore: ds, trustDomain: td, logger } = resolveDeps(apiDeps);

  async function status(): Promise<healthv1.HealthCheckResponse_ServingStatus> {
    try {
      return (await ds.fetchBundle(td.idString())) === null ? NOT_SERVING : SERVING;
    } catch (err) {
      logger.warn('Health check failed: cannot fetch the server bundle', { error: err instanceof Error ? err.message : String(err) });
      return NOT_SERVING;
    }
  }

  function checkService(service: string): void {
    if (service !== '') throw invalidArgument('per-service health is not supported');
  }

  return {
    async check(req) {
      checkService(req.service);
      return { status: await status() };
    },

    async *watch(req, ctx: HandlerContext) {
      checkService(req.service);
      let last = await status();
      yield { status: last };
      if (options.sleep === undefined) return;
      for (;;) {
        try {
          await options.sleep(options.watchIntervalMs ?? 5000, ctx.signal);
        } catch {
          return; // client went away
        }
        const now = await status();
        if (now !== last) yield { status: now };
        last = now;
      }
    },

    async list() {
      return { statuses: { '': { status: await status() } } };
    },
  };
}
