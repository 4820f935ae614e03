/**
 * `spire-agent api watch`: follows FetchX509SVID and prints the fetch-x509 block (federated
 * trust domains by name, no hint, as go-spiffe's X509Context gives them) on every update,
 * until SIGINT/SIGTERM. Errors are printed and the watch retried with backoff, as go-spiffe's
 * watcher does; INVALID_ARGUMENT ends it with exit code 1.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { X509Certificate } from 'node:crypto';
import type { workload } from '@tspire/proto';
import { SpiffeId, TrustDomain } from '@tspire/spiffe';
import { workloadCommand } from '../../agent-cli/workload-command.js';
import { describeError } from '../../output/rpc-error.js';
import { formatX509SvidResponse, parseX509SvidResponse, type ParsedX509Svid } from './x509-response.js';

export const WATCH_INITIAL_BACKOFF_MS = 1000;
export const WATCH_MAX_BACKOFF_MS = 30_000;

/** Regroups bundles by trust domain name: each SVID's federated bundles are all the others. */
export function watchView(response: workload.X509SVIDResponse): ParsedX509Svid[] {
  if (response.svids.length === 0) throw new Error('no SVIDs in response');
  const parsed = parseX509SvidResponse(response);
  const bundles = new Map<string, readonly X509Certificate[]>();
  for (const [key, certs] of parsed[0]?.federatedBundles ?? []) bundles.set(TrustDomain.parse(key).name, certs);
  for (const svid of parsed) bundles.set(SpiffeId.parse(svid.spiffeId).trustDomain.name, svid.bundle);
  const names = [...bundles.keys()].sort();
  return parsed.map((svid) => {
    const own = SpiffeId.parse(svid.spiffeId).trustDomain.name;
    const federated = new Map(names.filter((name) => name !== own).map((name) => [name, bundles.get(name) ?? []] as const));
    return { ...svid, bundle: bundles.get(own) ?? svid.bundle, federatedBundles: federated };
  });
}

export const watchCommand = workloadCommand({
  name: 'watch',
  synopsis: "Attaches to the Workload API and prints updates as they're received",
  flags: {},
  output: 'none',
  timeout: false,
  helpRequestedLine: true,
  async run(ctx) {
    const client = ctx.connection().workload;
    const { signal, dispose } = ctx.deps.interrupt();
    let lastUpdate = ctx.deps.monotonicMs();
    let backoffMs = WATCH_INITIAL_BACKOFF_MS;
    try {
      while (!signal.aborted) {
        try {
          for await (const response of client.fetchX509SVID({}, { signal })) {
            const svids = watchView(response);
            const now = ctx.deps.monotonicMs();
            ctx.out(formatX509SvidResponse(svids, now - lastUpdate, { showHint: false }));
            lastUpdate = now;
            backoffMs = WATCH_INITIAL_BACKOFF_MS;
          }
          if (!signal.aborted) throw new ConnectError('EOF', Code.Unknown);
        } catch (err) {
          if (signal.aborted) break;
          ctx.err(`${describeError(err)}\n`);
          if (err instanceof ConnectError && err.code === Code.InvalidArgument) throw err;
          await ctx.deps.sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, WATCH_MAX_BACKOFF_MS);
        }
      }
      return 0;
    } finally {
      dispose();
    }
  },
});
