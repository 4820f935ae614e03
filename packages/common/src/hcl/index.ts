/**
 * HCL v1 (SPIRE's config dialect) and JSON config parsing.
 * @example
 * const plain = loadConfigText(text, { filename: 'server.conf' });
 * // { server: { bind_port: 8081, ... }, plugins: { DataStore: { sql: { plugin_data: {...} } } } }
 */
import type { PlainObject } from './to-plain.js';
import { hclToPlain } from './to-plain.js';
import { parseConfigText, type ParseOptions } from './parser.js';

export type { HclBool, HclKey, HclList, HclNull, HclNumber, HclObject, HclObjectItem, HclString, HclValue } from './ast.js';
export { HclError, formatPosition, type SourcePosition } from './errors.js';
export { tokenize, describeToken, type Token, type TokenType } from './lexer.js';
export { parseConfigText, parseHcl, parseHclJson, type ParseOptions } from './parser.js';
export { hclToPlain, isRepeatedKey, positionOf, type PlainObject, type PlainValue } from './to-plain.js';

/** Parses HCL or JSON config text straight to plain JS (see hclToPlain for the shape). */
export function loadConfigText(text: string, options: ParseOptions = {}): PlainObject {
  return hclToPlain(parseConfigText(text, options));
}
