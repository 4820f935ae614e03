/**
 * `spire-agent api fetch x509` (also `api fetch`): the first FetchX509SVID message. JSON mode
 * prints the message (and, as SPIRE, ignores -silent and -write); pretty mode verifies every
 * SVID against its bundle, prints the blocks unless -silent and writes files with -write.
 */
import { workload } from '@tspire/proto';
import { workloadCommand, callOptions } from '../../agent-cli/workload-command.js';
import { formatProtoJson, protoItem } from '../../output/proto-json.js';
import { firstMessage } from './first-message.js';
import { formatX509SvidResponse, parseX509SvidResponse, verifyX509Svids } from './x509-response.js';
import { writeX509Svids } from './write-x509.js';

export const fetchX509Command = workloadCommand({
  name: 'fetch x509',
  synopsis: 'Fetches X509 SVIDs from the Workload API',
  flags: {
    silent: { kind: 'bool', usage: 'Suppress stdout' },
    write: { kind: 'string', usage: 'Write SVID data to the specified path (optional; only available for pretty output format)' },
  },
  output: 'output',
  timeout: true,
  async run(ctx) {
    const client = ctx.connection().workload;
    const start = ctx.deps.monotonicMs();
    const response = await firstMessage((signal) => client.fetchX509SVID({}, callOptions(ctx.timeoutMs, signal)));
    const elapsedMs = ctx.deps.monotonicMs() - start;
    if (ctx.output === 'json') {
      ctx.out(formatProtoJson([protoItem(workload.X509SVIDResponseSchema, response)]));
      return;
    }
    const svids = parseX509SvidResponse(response);
    verifyX509Svids(svids, ctx.deps.now());
    if (!ctx.flags.silent) ctx.out(formatX509SvidResponse(svids, elapsedMs));
    if (ctx.flags.write !== '') await writeX509Svids(ctx.flags.write, svids, ctx.deps.writeFile, ctx.out);
  },
});
