/**
 * `spire-agent api validate jwt`: ValidateJWTSVID. Pretty: `SVID is valid.`, the SPIFFE ID and
 * the claims as compact protojson; INVALID_ARGUMENT reads `SVID is not valid: <reason>`.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { JsonValue } from '@bufbuild/protobuf';
import { workload } from '@tspire/proto';
import { workloadCommand, callOptions } from '../../agent-cli/workload-command.js';
import { formatProtoJson, protoItem } from '../../output/proto-json.js';
import { describeError } from '../../output/rpc-error.js';

/** protojson's compact form: object keys sorted (as it orders map entries), no spaces. */
export function compactProtoJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(compactProtoJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${compactProtoJson(value[k] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const validateJwtCommand = workloadCommand({
  name: 'validate jwt',
  synopsis: 'Validates a JWT SVID',
  flags: {
    audience: { kind: 'string', usage: 'expected audience value' },
    svid: { kind: 'string', usage: 'JWT SVID' },
  },
  output: 'output',
  timeout: true,
  async run(ctx) {
    if (ctx.flags.audience === '') throw new Error('audience must be specified');
    if (ctx.flags.svid === '') throw new Error('svid must be specified');
    let response: workload.ValidateJWTSVIDResponse;
    try {
      response = await ctx.connection().workload.validateJWTSVID({ audience: ctx.flags.audience, svid: ctx.flags.svid }, callOptions(ctx.timeoutMs));
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.InvalidArgument) throw new Error(`SVID is not valid: ${err.rawMessage}`);
      throw new Error(`unable to validate JWT SVID: ${describeError(err)}`);
    }
    if (ctx.output === 'json') {
      ctx.out(formatProtoJson([protoItem(workload.ValidateJWTSVIDResponseSchema, response)]));
      return;
    }
    const claims = response.claims === undefined ? '{}' : compactProtoJson(response.claims);
    ctx.out(`SVID is valid.\nSPIFFE ID : ${response.spiffeId}\nClaims    : ${claims}\n`);
  },
});
