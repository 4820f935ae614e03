/** Syntax errors of HCL/JSON config text, located by line and column. */
import { TspireError } from '../errors/tspire-error.js';

/** A place in config text (1-based line and column; columns count UTF-16 units, tabs as one). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
  readonly filename?: string;
}

/** `server.conf:12:5` (or `12:5` without a filename). */
export function formatPosition(pos: SourcePosition): string {
  return pos.filename === undefined ? `${pos.line}:${pos.column}` : `${pos.filename}:${pos.line}:${pos.column}`;
}

/**
 * @example
 * try { parseConfigText(text, { filename: 'server.conf' }) } catch (err) {
 *   if (err instanceof HclError) console.error(err.message); // server.conf:12:5: expected ...
 * }
 */
export class HclError extends TspireError<'ERR_CONFIG_HCL_SYNTAX'> {
  override name = 'HclError';
  readonly line: number;
  readonly column: number;
  readonly filename: string | undefined;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(pos: SourcePosition, reason: string) {
    super('ERR_CONFIG_HCL_SYNTAX', `${formatPosition(pos)}: ${reason}`);
    this.line = pos.line;
    this.column = pos.column;
    this.filename = pos.filename;
    this.reason = reason;
  }
}
