/**
 * PEM (RFC 7468) reading and writing, as go's encoding/pem does for bundles and SVIDs: blocks of
 * other types are skipped, text between blocks is ignored. Stricter than go in one way: a
 * malformed block (no END line, bad base64) is an error instead of being silently skipped.
 */
import { SpiffeError } from '../errors.js';

/** One decoded PEM block. */
export interface PemBlock {
  readonly type: string;
  readonly bytes: Uint8Array;
}

const BEGIN = /^-----BEGIN ([^-\r\n]*)-----[ \t]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes every PEM block in `text`, in order.
 * @throws SpiffeError ERR_BUNDLE_BAD_PEM if a block lacks its END line or has bad base64.
 * @example decodePem(pemText).filter((b) => b.type === 'CERTIFICATE')
 */
export function decodePem(text: string): PemBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const type = BEGIN.exec(lines[i] ?? '')?.[1];
    if (type === undefined) continue;
    const endLine = `-----END ${type}-----`;
    const end = lines.findIndex((line, j) => j > i && line.trimEnd() === endLine);
    if (end < 0) throw new SpiffeError('ERR_BUNDLE_BAD_PEM', `PEM block "${type}" has no "${endLine}" line`);
    blocks.push({ type, bytes: decodeBody(type, lines.slice(i + 1, end)) });
    i = end;
  }
  return blocks;
}

/** Decodes a block body, skipping RFC 1421 headers ("Name: value" lines up to a blank line). */
function decodeBody(type: string, lines: string[]): Uint8Array {
  let start = 0;
  if (lines[0]?.includes(':')) {
    while (start < lines.length && (lines[start] ?? '').trim() !== '') start++;
  }
  const body = lines.slice(start).join('').replace(/[ \t]/g, '');
  if (body.length % 4 !== 0 || !BASE64.test(body)) {
    throw new SpiffeError('ERR_BUNDLE_BAD_PEM', `PEM block "${type}" has invalid base64 content`);
  }
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** Encodes one PEM block with 64-character lines, ending in a newline. */
export function encodePem(type: string, bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.map((l) => l + '\n').join('')}-----END ${type}-----\n`;
}

/**
 * Decodes standard padded base64 strictly (as the x5c member requires), or returns undefined.
 * Node's own decoder silently skips bad characters, so the alphabet and padding are checked here.
 */
export function decodeStrictBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
