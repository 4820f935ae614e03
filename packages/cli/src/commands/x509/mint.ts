/**
 * `spire-server x509 mint`: generates an EC P-256 key, sends a CSR for -spiffeID (and -dns
 * names) to SVID/MintX509SVID, fetches the trust bundle (Bundle/GetBundle), then prints the
 * SVID chain, the PKCS#8 key and the root CAs as PEM, or writes them to -write/{svid,key,bundle}.pem.
 * JSON output is SPIRE's `{"private_key","root_cas","x509_svid"}` with base64 DER values.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { encodePemBlock } from '../../output/bundle-pretty.js';
import { encodeGoJson } from '../../output/go-json.js';
import { CliError, wrapError } from '../../output/rpc-error.js';
import { checkedAdminCommand } from '../../server-cli/checked-admin-command.js';
import type { CommandFactory } from '../../server-cli/command.js';
import { cappedWarning, describeWriteError, requireSpiffeId, ttlToSeconds, writeFileWithMode, type ModeFileWriter } from '../mint-helpers.js';
import { buildCsr } from './csr.js';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface X509MintOptions {
  /** Makes the SVID key; EC P-256 by default. */
  readonly generateKey?: () => KeyPair;
  readonly writeFile?: ModeFileWriter;
}

/** What the command received, all DER. */
export interface X509MintResult {
  readonly x509Svid: readonly Uint8Array[];
  readonly privateKey: Uint8Array;
  readonly rootCas: readonly Uint8Array[];
}

function pemChain(ders: readonly Uint8Array[]): string {
  return ders.map((d) => encodePemBlock('CERTIFICATE', d)).join('');
}

/** The pretty output: three labelled PEM sections, each followed by a blank line. */
export function formatX509Mint(result: X509MintResult): string {
  return (
    `X509-SVID:\n${pemChain(result.x509Svid)}\n` +
    `Private key:\n${encodePemBlock('PRIVATE KEY', result.privateKey)}\n` +
    `Root CAs:\n${pemChain(result.rootCas)}\n`
  );
}

/** The JSON output (Go's encoding of `[]byte` is base64). */
export function formatX509MintJson(result: X509MintResult): string {
  const b64 = (d: Uint8Array): string => Buffer.from(d).toString('base64');
  return encodeGoJson({ x509_svid: result.x509Svid.map(b64), private_key: b64(result.privateKey), root_cas: result.rootCas.map(b64) });
}

const defaultKey = (): KeyPair => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** The command factory; options replace key generation and file writing (tests). */
export function createX509MintCommand(options: X509MintOptions = {}): CommandFactory {
  const generateKey = options.generateKey ?? defaultKey;
  const writeFile = options.writeFile ?? writeFileWithMode;
  return checkedAdminCommand({
    name: 'x509 mint',
    synopsis: 'Mints an X509-SVID',
    flags: {
      spiffeID: { kind: 'string', usage: 'SPIFFE ID of the X509-SVID' },
      ttl: { kind: 'duration', usage: 'TTL of the X509-SVID' },
      dns: { kind: 'stringList', usage: 'DNS name that will be included in SVID. Can be used more than once.' },
      write: { kind: 'string', usage: 'Directory to write output to instead of stdout' },
    },
    output: true,
    check: (flags) => ({ id: requireSpiffeId(flags.spiffeID), ttl: ttlToSeconds(flags.ttl) }),
    async run(ctx, { id, ttl }) {
      const key = generateKey();
      const csr = buildCsr({ spiffeId: id.toString(), dnsNames: ctx.flags.dns, ...key });
      let svid;
      try {
        svid = (await ctx.client.svid.mintX509SVID({ csr, ttl })).svid;
      } catch (err) {
        throw wrapError('unable to mint SVID', err);
      }
      if (svid === undefined || svid.certChain.length === 0) throw new CliError('server response missing SVID chain');
      let bundle;
      try {
        bundle = await ctx.client.bundle.getBundle({});
      } catch (err) {
        throw wrapError('unable to get bundle', err);
      }
      if (bundle.x509Authorities.length === 0) throw new CliError('server response missing X509 Authorities');
      const warning = cappedWarning('X509-SVID', svid.expiresAt, ctx.flags.ttl, ctx.deps.now());
      if (warning !== undefined) ctx.err(warning);
      const result: X509MintResult = {
        x509Svid: svid.certChain,
        privateKey: new Uint8Array(key.privateKey.export({ type: 'pkcs8', format: 'der' })),
        rootCas: bundle.x509Authorities.map((a) => a.asn1),
      };
      if (ctx.flags.write === '') {
        ctx.out(ctx.output === 'json' ? formatX509MintJson(result) : formatX509Mint(result));
        return;
      }
      const files = [
        { name: 'svid.pem', what: 'SVID', label: 'X509-SVID', mode: 0o644, data: pemChain(result.x509Svid) },
        { name: 'key.pem', what: 'key', label: 'Private key', mode: 0o600, data: encodePemBlock('PRIVATE KEY', result.privateKey) },
        { name: 'bundle.pem', what: 'bundle', label: 'Root CAs', mode: 0o644, data: pemChain(result.rootCas) },
      ];
      for (const file of files) {
        const path = join(ctx.flags.write, file.name);
        try {
          await writeFile(path, file.data, file.mode);
        } catch (err) {
          throw new CliError(`unable to write ${file.what}: ${describeWriteError(path, err)}`);
        }
        ctx.out(`${file.label} written to ${path}\n`);
      }
    },
  });
}

export const x509MintCommand = createX509MintCommand();
