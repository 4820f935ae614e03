/**
 * `spire-agent api fetch jwt`: the JWT bundles (first FetchJWTBundles message), then a
 * JWT-SVID per identity for the audience. Pretty: `token(<id>):`, `hint(<id>):` and
 * `bundle(<TD ID>):` each followed by a tab-indented value; JSON: both messages as an array.
 */
import { workload } from '@tspire/proto';
import { workloadCommand, callOptions } from '../../agent-cli/workload-command.js';
import { formatProtoJson, protoItem } from '../../output/proto-json.js';
import { firstMessage } from './first-message.js';

/** SPIRE's CommaStringsFlag: the last value given, split at commas. */
export function commaList(values: readonly string[]): string[] {
  const last = values.at(-1);
  return last === undefined ? [] : last.split(',');
}

export const fetchJwtCommand = workloadCommand({
  name: 'fetch jwt',
  synopsis: 'Fetches a JWT SVID from the Workload API',
  flags: {
    audience: { kind: 'stringList', usage: 'comma separated list of audience values' },
    spiffeID: { kind: 'string', usage: 'SPIFFE ID subject (optional)' },
  },
  output: 'output+format',
  timeout: true,
  async run(ctx) {
    const audience = commaList(ctx.flags.audience);
    if (audience.length === 0) throw new Error('audience must be specified');
    const client = ctx.connection().workload;
    const bundles = await firstMessage((signal) => client.fetchJWTBundles({}, callOptions(ctx.timeoutMs, signal)));
    const svids = await client.fetchJWTSVID({ audience, spiffeId: ctx.flags.spiffeID }, callOptions(ctx.timeoutMs));
    if (ctx.output === 'json') {
      ctx.out(formatProtoJson([protoItem(workload.JWTSVIDResponseSchema, svids), protoItem(workload.JWTBundlesResponseSchema, bundles)]));
      return;
    }
    let text = '';
    for (const svid of svids.svids) {
      text += `token(${svid.spiffeId}):\n\t${svid.svid}\n`;
      if (svid.hint !== '') text += `hint(${svid.spiffeId}):\n\t${svid.hint}\n`;
    }
    for (const trustDomainId of Object.keys(bundles.bundles).sort()) {
      text += `bundle(${trustDomainId}):\n\t${Buffer.from(bundles.bundles[trustDomainId] ?? new Uint8Array()).toString('utf8')}\n`;
    }
    ctx.out(text);
  },
});
