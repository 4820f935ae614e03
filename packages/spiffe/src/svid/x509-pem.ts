/**
 * PEM (RFC 7468) blocks: decoding with checks, encoding with 64-column lines. As go-spiffe,
 * text between blocks is ignored and callers pick the block types they want, so one file may
 * hold both the certificates and the key.
 */
import { SpiffeError } from '../errors.js';

export interface PemBlock {
  readonly type: string;
  /** The decoded body; empty when the block has headers. */
  readonly bytes: Buffer;
  /** RFC 1421 headers (e.g. `Proc-Type: 4,ENCRYPTED`), which only legacy encrypted keys use. */
  readonly hasHeaders: boolean;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes every PEM block in `input`.
 * @param what names the input in messages ("certificates", "private key").
 * @throws SpiffeError ERR_X509_BAD_PEM when there is no block, a BEGIN without its END, a
 * mismatched END or bad base64. Blocks with headers are returned with `hasHeaders` and no bytes.
 */
export function decodePemBlocks(input: string | Uint8Array, what: string): PemBlock[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const blocks: PemBlock[] = [];
  let consumed = 0;
  for (const match of text.matchAll(BLOCK)) {
    const [whole, type = '', body = '', endType] = match;
    const blockNumber = blocks.length + 1;
    if (text.slice(consumed, match.index).includes('-----BEGIN ')) fail(`${what}: PEM block ${blockNumber} has a BEGIN line without a matching END line`);
    if (endType !== type) fail(`${what}: PEM block ${blockNumber} begins as "${type}" but ends as "${endType ?? ''}"`);
    consumed = match.index + whole.length;
    if (body.includes(':')) {
      blocks.push({ type, bytes: Buffer.alloc(0), hasHeaders: true });
      continue;
    }
    const base64 = body.replace(/\s+/g, '');
    if (!BASE64_BODY.test(base64) || base64.length % 4 !== 0) fail(`${what}: PEM block ${blockNumber} ("${type}") is not valid base64`);
    blocks.push({ type, bytes: Buffer.from(base64, 'base64'), hasHeaders: false });
  }
  if (text.slice(consumed).includes('-----BEGIN ')) fail(`${what}: a PEM BEGIN line has no matching END line`);
  if (blocks.length === 0) fail(`${what}: no PEM blocks found`);
  return blocks;
}

/**
 * Encodes one PEM block.
 * @example encodePem('CERTIFICATE', cert.raw)
 */
export function encodePem(type: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}-----END ${type}-----\n`;
}

function fail(message: string): never {
  throw new SpiffeError('ERR_X509_BAD_PEM', message);
}
