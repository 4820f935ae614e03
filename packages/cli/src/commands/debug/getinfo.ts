/**
 * `spire-server debug getinfo`: Debug/GetInfo as `Server Debug Info:` with values aligned at
 * column 28, uptime as a Go duration and SVID expiry in RFC 3339 UTC. JSON: GetInfoResponse.
 */
import { formatGoDuration } from '@tspire/common';
import { debugv1 } from '@tspire/proto';
import { idToString } from '../../output/entry-pretty.js';
import { protoItem } from '../../output/proto-json.js';
import { formatRfc3339Utc } from '../../output/rfc3339.js';
import { adminCommand } from '../../server-cli/admin-command.js';

/** `  <label>` padded so the value starts at column 28. */
function line(label: string, value: string | number): string {
  return `${`  ${label}`.padEnd(27)}${value}\n`;
}

/** The pretty report. */
export function formatServerDebugInfo(info: debugv1.GetInfoResponse): string {
  let out = 'Server Debug Info:\n';
  out += line('Uptime:', formatGoDuration(info.uptime * 1000));
  out += line('Registered Agents:', info.agentsCount);
  out += line('Registration Entries:', info.entriesCount);
  out += line('Federated Bundles:', info.federatedBundlesCount);
  if (info.svidChain.length > 0) {
    out += '  SVID Chain:\n';
    info.svidChain.forEach((cert, i) => {
      out += `    [${i}] SPIFFE ID:  ${cert.id === undefined ? '(none)' : idToString(cert.id)}\n`;
      out += `        Subject:    ${cert.subject}\n`;
      out += `        Expires At: ${formatRfc3339Utc(cert.expiresAt)}\n`;
    });
  }
  return out;
}

export const debugGetInfoCommand = adminCommand({
  name: 'debug getinfo',
  synopsis: 'Prints debug information about the server',
  flags: {},
  output: true,
  async run(ctx) {
    const info = await ctx.client.debug.getInfo({});
    await ctx.emit([protoItem(debugv1.GetInfoResponseSchema, info)], () => ctx.out(formatServerDebugInfo(info)));
  },
});
