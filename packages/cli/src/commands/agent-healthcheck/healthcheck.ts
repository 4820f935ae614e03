/**
 * `spire-agent healthcheck`: grpc.health.v1 Check("") on the agent's public socket (the agent
 * reports SERVING when it can fetch an X.509 context from its own Workload API). Prints
 * `Agent is healthy.`; otherwise `Agent is unhealthy: <reason>` on stderr and exit code 1.
 * `-shallow` is accepted as SPIRE accepts it (the check is the same).
 */
import { healthv1 } from '@tspire/proto';
import { workloadCommand } from '../../agent-cli/workload-command.js';
import { describeError } from '../../output/rpc-error.js';

export const agentHealthcheckCommand = workloadCommand({
  name: 'health',
  synopsis: 'Determines agent health status',
  flags: {
    shallow: { kind: 'bool', usage: 'Perform a less stringent health check' },
    verbose: { kind: 'bool', usage: 'Print verbose information' },
  },
  output: 'none',
  timeout: false,
  async run(ctx) {
    if (ctx.flags.verbose) ctx.out('Checking agent health...\n');
    let reason: string | undefined;
    try {
      const response = await ctx.connection().health.check({ service: '' });
      if (response.status !== healthv1.HealthCheckResponse_ServingStatus.SERVING) {
        const name = healthv1.HealthCheckResponse_ServingStatus[response.status] ?? String(response.status);
        reason = `agent returned status ${JSON.stringify(name)}`;
      }
    } catch (err) {
      if (ctx.flags.verbose) ctx.err(`Failed to check health: ${describeError(err)}\n`);
      reason = 'unable to determine health';
    }
    if (reason !== undefined) {
      ctx.err(`Agent is unhealthy: ${reason}\n`);
      return 1;
    }
    ctx.out('Agent is healthy.\n');
    return 0;
  },
});
