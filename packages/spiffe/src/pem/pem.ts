/**
 * PEM (RFC 7468) reading and writing, shared by bundles and SVIDs. As go's encoding/pem: BEGIN
 * and END lines stand on their own lines, text between blocks is ignored and callers pick the
 * block types they want (one file may hold certificates and a key). Stricter than go in one way:
 * a malformed block (no END line, a mismatched END, bad base64) is an error, not skipped.
 * The error code is the caller's, so each area keeps its own (ERR_BUNDLE_BAD_PEM, ERR_X509_BAD_PEM).
 */
import { SpiffeError, type SpiffeErrorCode } from '../errors.js';

/** One decoded PEM block. */
export interface PemBlock {
  readonly type: string;
  /** The decoded body (after any headers). */
  readonly bytes: Buffer;
  /** RFC 1421 headers (e.g. `Proc-Type: 4,ENCRYPTED`), which only legacy encrypted keys use. */
  readonly hasHeaders: boolean;
}

export interface DecodePemOptions {
  /** The code every failure is thrown with. */
  readonly code: SpiffeErrorCode;
  /** Names the input in messages ("certificates", "private key", "X.509 bundle"). */
  readonly what: string;
  /** Fail with "no PEM blocks found" instead of returning `[]`. Default false. */
  readonly requireBlock?: boolean;
}

const BEGIN = /^-----BEGIN ([^-\r\n]*)-----[ \t]*$/;
const END = /^-----END ([^-\r\n]*)-----[ \t]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes every PEM block in `input` (text, or bytes read as latin1), in order.
 * @throws SpiffeError `options.code` when a block has no END line (or another BEGIN comes
 * first), ends with another type, or has bad base64; with `requireBlock`, when there is none.
 * @example decodePem(text, { code: 'ERR_X509_BAD_PEM', what: 'certificates' }).filter((b) => b.type === 'CERTIFICATE')
 */
export function decodePem(input: string | Uint8Array, options: DecodePemOptions): PemBlock[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const fail = (message: string): never => {
    throw new SpiffeError(options.code, `${options.what}: ${message}`);
  };
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const type = BEGIN.exec(lines[i]!)?.[1];
    if (type === undefined) continue;
    const label = `PEM block ${blocks.length + 1} ("${type}")`;
    const endLine = `-----END ${type}-----`;
    const end = nextMarkerLine(lines, i + 1);
    const endType = end < 0 ? undefined : END.exec(lines[end]!)?.[1];
    if (endType === undefined) fail(`${label} has no matching END line ("${endLine}")`);
    if (endType !== type) fail(`${label} begins as "${type}" but ends as "${endType ?? ''}" instead of "${endLine}"`);
    blocks.push(decodeBody(type, lines.slice(i + 1, end), () => fail(`${label} is not valid base64`)));
    i = end;
  }
  if (options.requireBlock === true && blocks.length === 0) fail('no PEM blocks found');
  return blocks;
}

/** The index of the first BEGIN or END line at or after `from`, or -1. */
function nextMarkerLine(lines: readonly string[], from: number): number {
  for (let j = from; j < lines.length; j++) if (END.test(lines[j]!) || BEGIN.test(lines[j]!)) return j;
  return -1;
}

/** Decodes a block body, skipping RFC 1421 headers ("Name: value" lines up to a blank line). */
function decodeBody(type: string, lines: readonly string[], badBase64: () => never): PemBlock {
  let start = 0;
  const hasHeaders = lines[0]?.includes(':') ?? false;
  if (hasHeaders) {
    while (start < lines.length && lines[start]!.trim() !== '') start++;
  }
  const base64 = lines.slice(start).join('').replace(/\s+/g, '');
  if (!isStrictBase64(base64)) return badBase64();
  return { type, bytes: Buffer.from(base64, 'base64'), hasHeaders };
}

/**
 * Encodes one PEM block with 64-character lines, ending in a newline.
 * @example encodePem('CERTIFICATE', cert.raw)
 */
export function encodePem(type: string, bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.map((l) => l + '\n').join('')}-----END ${type}-----\n`;
}

/**
 * Decodes standard padded base64 strictly (as PEM bodies and the x5c member require), or
 * returns undefined. Node's own decoder silently skips bad characters, so the alphabet and
 * padding are checked here.
 */
export function decodeStrictBase64(text: string): Uint8Array | undefined {
  return isStrictBase64(text) ? new Uint8Array(Buffer.from(text, 'base64')) : undefined;
}

function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}
