/**
 * JSON input for bundles: UTF-8 decoding, top-level object check, and exact reading of top-level
 * integer members (spiffe_sequence is a uint64, beyond what a JS number holds exactly).
 */
import { SpiffeError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The decoded text and its parsed top-level object. */
export interface JsonObjectInput {
  readonly text: string;
  readonly value: Record<string, unknown>;
}

/**
 * Decodes `input` (text or UTF-8 bytes) and parses it as a JSON object.
 * @throws SpiffeError ERR_BUNDLE_BAD_JSON naming `what` (e.g. "SPIFFE bundle").
 */
export function parseJsonObject(input: string | Uint8Array, what: string): JsonObjectInput {
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch (cause) {
    throw new SpiffeError('ERR_BUNDLE_BAD_JSON', `${what} is not valid UTF-8`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SpiffeError('ERR_BUNDLE_BAD_JSON', `${what} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (!isJsonObject(value)) throw new SpiffeError('ERR_BUNDLE_BAD_JSON', `${what} must be a JSON object`);
  return { text, value };
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns the source text of the top-level member `name`'s value when it is a number (the last
 * occurrence wins, as in JSON.parse). `text` must already be known to be valid JSON.
 */
export function rawTopLevelNumber(text: string, name: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && isMemberName(text, end) && JSON.parse(text.slice(i, end)) === name) {
        found = numberAfterColon(text, end) ?? undefined;
      }
      i = end - 1;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return found;
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

const MEMBER_COLON = /\s*:/y;
const NUMBER_VALUE = /\s*:\s*(-?[0-9][0-9eE.+-]*)/y;

function isMemberName(text: string, afterString: number): boolean {
  MEMBER_COLON.lastIndex = afterString;
  return MEMBER_COLON.test(text);
}

/** The number literal after `name":`, or null when the value is not a number. */
function numberAfterColon(text: string, afterString: number): string | null {
  NUMBER_VALUE.lastIndex = afterString;
  return NUMBER_VALUE.exec(text)?.[1] ?? null;
}
