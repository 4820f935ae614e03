/**
 * `spire-server jwt mint`: SVID/MintJWTSVID for -spiffeID and one or more -audience values.
 * Prints the token (JSON: the MintJWTSVIDResponse) or writes it to -write with mode 0600.
 */
import { normalize } from 'node:path';
import { svidv1 } from '@tspire/proto';
import { protoItem } from '../../output/proto-json.js';
import { CliError, wrapError } from '../../output/rpc-error.js';
import { checkedAdminCommand } from '../../server-cli/checked-admin-command.js';
import type { CommandFactory } from '../../server-cli/command.js';
import { cappedWarning, describeWriteError, ttlToSeconds, writeFileWithMode, type ModeFileWriter } from '../mint-helpers.js';
import { parseSpiffeIdProto } from '../parse-helpers.js';

export interface JwtMintOptions {
  readonly writeFile?: ModeFileWriter;
}

/** The `exp` claim of a compact JWS, read without verifying it (only to warn about capping). */
export function jwtExpiry(token: string): number {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('compact JWS format must have three parts');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new Error('invalid claims encoding');
  }
  const exp = (claims as { exp?: unknown } | null)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new Error('no expiry claim');
  return exp;
}

/** The command factory; options replace file writing (tests). */
export function createJwtMintCommand(options: JwtMintOptions = {}): CommandFactory {
  const writeFile = options.writeFile ?? writeFileWithMode;
  return checkedAdminCommand({
    name: 'jwt mint',
    synopsis: 'Mints a JWT-SVID',
    flags: {
      spiffeID: { kind: 'string', usage: 'SPIFFE ID of the JWT-SVID' },
      ttl: { kind: 'duration', usage: 'TTL of the JWT-SVID' },
      audience: { kind: 'stringList', usage: 'Audience claim that will be included in the SVID. Can be used more than once.' },
      write: { kind: 'string', usage: 'File to write token to instead of stdout' },
    },
    output: true,
    check: (flags) => {
      if (flags.spiffeID === '') throw new CliError('spiffeID must be specified');
      if (flags.audience.length === 0) throw new CliError('at least one audience must be specified');
      return { id: parseSpiffeIdProto(flags.spiffeID), ttl: ttlToSeconds(flags.ttl) };
    },
    async run(ctx, { id, ttl }) {
      let resp;
      try {
        resp = await ctx.client.svid.mintJWTSVID({ id, audience: ctx.flags.audience, ttl });
      } catch (err) {
        throw wrapError('unable to mint SVID', err);
      }
      const token = resp.svid?.token ?? '';
      if (token === '') throw new CliError('server response missing token');
      try {
        const warning = cappedWarning('JWT-SVID', jwtExpiry(token), ctx.flags.ttl, ctx.deps.now());
        if (warning !== undefined) ctx.err(warning);
      } catch (err) {
        ctx.err(`Unable to determine JWT-SVID lifetime: ${(err as Error).message}\n`);
      }
      if (ctx.flags.write === '') {
        await ctx.emit([protoItem(svidv1.MintJWTSVIDResponseSchema, resp)], () => ctx.out(`${token}\n`));
        return;
      }
      const path = normalize(ctx.flags.write);
      try {
        await writeFile(path, token, 0o600);
      } catch (err) {
        throw new CliError(`unable to write token: ${describeWriteError(path, err)}`);
      }
      ctx.out(`JWT-SVID written to ${path}\n`);
    },
  });
}

export const jwtMintCommand = createJwtMintCommand();
