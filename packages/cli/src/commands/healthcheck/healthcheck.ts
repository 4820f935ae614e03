/**
 * `spire-server healthcheck`: grpc.health.v1 Check("") over the admin socket. Healthy only for
 * SERVING; failures print `Error: server is unhealthy: <reason>` and exit 1.
 */
import { healthv1 } from '@tspire/proto';
import { CliError, describeError } from '../../output/rpc-error.js';
import { adminCommand } from '../../server-cli/admin-command.js';

export const healthcheckCommand = adminCommand({
  name: 'healthcheck',
  synopsis: 'Determines server health status',
  flags: {
    shallow: { kind: 'bool', usage: 'Perform a less stringent health check' },
    verbose: { kind: 'bool', usage: 'Print verbose information' },
  },
  output: false,
  async run(ctx) {
    if (ctx.flags.verbose) ctx.out('Checking server health...\n');
    let resp;
    try {
      resp = await ctx.client.health.check({ service: '' });
    } catch (err) {
      if (ctx.flags.verbose) ctx.err(`Failed to check health: ${describeError(err)}\n`);
      throw new CliError('server is unhealthy: unable to determine health');
    }
    if (resp.status !== healthv1.HealthCheckResponse_ServingStatus.SERVING) {
      const name = healthv1.HealthCheckResponse_ServingStatus[resp.status] ?? String(resp.status);
      throw new CliError(`server is unhealthy: server returned status "${name}"`);
    }
    ctx.out('Server is healthy.\n');
  },
});
