/**
 * Recursive-descent parser for SPIRE's HCL v1 dialect and for JSON configs. Both produce the
 * same AST, so decoding does not care which syntax the operator chose.
 */
import type { HclKey, HclList, HclObject, HclObjectItem, HclValue } from './ast.js';
import { HclError, type SourcePosition } from './errors.js';
import { describeToken, tokenize, type Token, type TokenType } from './lexer.js';

export interface ParseOptions {
  /** Shown in error messages and positions (e.g. `server.conf`). */
  readonly filename?: string;
}

abstract class TokenReader {
  private index = 0;
  constructor(protected readonly tokens: readonly Token[]) {}

  protected peek(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }
  protected take(): Token {
    const tok = this.peek();
    if (tok.type !== 'eof') this.index++;
    return tok;
  }
  protected accept(type: TokenType): boolean {
    if (this.peek().type !== type) return false;
    this.take();
    return true;
  }
  protected fail(pos: SourcePosition, reason: string): never {
    throw new HclError(pos, reason);
  }
}

class HclParser extends TokenReader {
  parseFile(): HclObject {
    const start = this.peek().pos;
    const items = this.items(undefined);
    return { type: 'object', items, pos: { ...start, line: 1, column: 1 } };
  }

  /** Items until `}` (inside a block opened at `open`) or end of file (top level). */
  private items(open: { pos: SourcePosition; name: string } | undefined): HclObjectItem[] {
    const items: HclObjectItem[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.type === 'eof') {
        if (open === undefined) return items;
        this.fail(open.pos, `unclosed '{' of ${open.name}: expected '}' before end of file`);
      }
      if (tok.type === '}') {
        if (open === undefined) this.fail(tok.pos, "unexpected '}' with no open block");
        this.take();
        return items;
      }
      items.push(this.item());
      this.accept(',');
    }
  }

  private item(): HclObjectItem {
    const keys: HclKey[] = [];
    while (this.peek().type === 'ident' || this.peek().type === 'string') {
      const tok = this.take();
      keys.push({ name: String(tok.value), quoted: tok.type === 'string', pos: tok.pos });
    }
    const [first, ...labels] = keys;
    const next = this.peek();
    if (first === undefined) this.fail(next.pos, `expected a key, got ${describeToken(next)}`);
    const name = keyName(keys);
    if (next.type === '{') {
      this.take();
      const items = this.items({ pos: next.pos, name });
      return { keys: [first, ...labels], value: { type: 'object', items, pos: next.pos }, assigned: false };
    }
    if (next.type === '=') {
      if (labels.length > 0) this.fail(next.pos, `expected '{' after labelled block ${name}, got '='`);
      this.take();
      return { keys: [first], value: this.value(first.name), assigned: true };
    }
    const expected = labels.length > 0 ? `expected '{' after labelled block ${name}` : `expected '=' or '{' after key ${JSON.stringify(first.name)}`;
    return this.fail(next.pos, `${expected}, got ${describeToken(next)}`);
  }

  private value(key: string): HclValue {
    const tok = this.peek();
    switch (tok.type) {
      case 'string': case 'heredoc':
        this.take();
        return { type: 'string', value: String(tok.value), heredoc: tok.type === 'heredoc', pos: tok.pos };
      case 'number':
        this.take();
        return { type: 'number', value: Number(tok.value), raw: tok.raw, pos: tok.pos };
      case 'bool':
        this.take();
        return { type: 'bool', value: tok.value === true, pos: tok.pos };
      case '[':
        return this.list(key);
      case '{': {
        this.take();
        return { type: 'object', items: this.items({ pos: tok.pos, name: JSON.stringify(key) }), pos: tok.pos };
      }
      case 'ident':
        return this.fail(tok.pos, `expected a value for ${JSON.stringify(key)}, got ${describeToken(tok)} (strings must be quoted)`);
      default:
        return this.fail(tok.pos, `expected a value for ${JSON.stringify(key)}, got ${describeToken(tok)}`);
    }
  }

  private list(key: string): HclList {
    const open = this.take();
    const items: HclValue[] = [];
    for (;;) {
      if (this.accept(']')) return { type: 'list', items, pos: open.pos };
      if (this.peek().type === 'eof') this.fail(open.pos, `unclosed '[' of ${JSON.stringify(key)}: expected ']' before end of file`);
      items.push(this.value(key));
      const sep = this.peek();
      if (sep.type === ',') this.take();
      else if (sep.type === 'eof') this.fail(open.pos, `unclosed '[' of ${JSON.stringify(key)}: expected ']' before end of file`);
      else if (sep.type !== ']') this.fail(sep.pos, `expected ',' or ']' in list ${JSON.stringify(key)}, got ${describeToken(sep)}`);
    }
  }
}

function keyName(keys: readonly HclKey[]): string {
  return keys.map((k) => JSON.stringify(k.name)).join(' ');
}

/** JSON configs: strict JSON structure (keys quoted, `:`, commas), same AST as HCL. */
class JsonParser extends TokenReader {
  parseFile(): HclObject {
    const tok = this.peek();
    if (tok.type !== '{') this.fail(tok.pos, `expected '{' to start the JSON config, got ${describeToken(tok)}`);
    const root = this.value();
    const rest = this.peek();
    if (rest.type !== 'eof') this.fail(rest.pos, `unexpected ${describeToken(rest)} after the JSON config`);
    return root as HclObject;
  }

  private value(): HclValue {
    const tok = this.take();
    switch (tok.type) {
      case 'string': return { type: 'string', value: String(tok.value), heredoc: false, pos: tok.pos };
      case 'number': return { type: 'number', value: Number(tok.value), raw: tok.raw, pos: tok.pos };
      case 'bool': return { type: 'bool', value: tok.value === true, pos: tok.pos };
      case '[': return { type: 'list', items: this.sequence(tok, ']', () => this.value()), pos: tok.pos };
      case '{': return { type: 'object', items: this.sequence(tok, '}', () => this.member()), pos: tok.pos };
      case 'ident':
        if (tok.raw === 'null') return { type: 'null', pos: tok.pos };
        return this.fail(tok.pos, `expected a JSON value, got ${describeToken(tok)}`);
      default:
        return this.fail(tok.pos, `expected a JSON value, got ${describeToken(tok)}`);
    }
  }

  private sequence<T>(open: Token, close: '}' | ']', element: () => T): T[] {
    const out: T[] = [];
    if (this.accept(close)) return out;
    for (;;) {
      if (this.peek().type === 'eof') this.fail(open.pos, `unclosed '${open.type}': expected '${close}' before end of file`);
      out.push(element());
      const sep = this.take();
      if (sep.type === close) return out;
      if (sep.type !== ',') {
        if (sep.type === 'eof') this.fail(open.pos, `unclosed '${open.type}': expected '${close}' before end of file`);
        this.fail(sep.pos, `expected ',' or '${close}', got ${describeToken(sep)}`);
      }
    }
  }

  private member(): HclObjectItem {
    const keyTok = this.take();
    if (keyTok.type !== 'string') this.fail(keyTok.pos, `expected a quoted key, got ${describeToken(keyTok)}`);
    const colon = this.take();
    if (colon.type !== ':') this.fail(colon.pos, `expected ':' after key ${JSON.stringify(keyTok.value)}, got ${describeToken(colon)}`);
    const key: HclKey = { name: String(keyTok.value), quoted: true, pos: keyTok.pos };
    return { keys: [key], value: this.value(), assigned: true };
  }
}

/** Parses HCL v1 text into its root object. Throws HclError with line and column. */
export function parseHcl(text: string, options: ParseOptions = {}): HclObject {
  return new HclParser(tokenize(text, options.filename)).parseFile();
}

/** Parses a JSON config into the same AST as parseHcl. Throws HclError with line and column. */
export function parseHclJson(text: string, options: ParseOptions = {}): HclObject {
  return new JsonParser(tokenize(text, options.filename)).parseFile();
}

/**
 * Parses a config file the way SPIRE does: JSON when the file name ends in `.json` or the
 * first non-space character is `{`, HCL otherwise.
 */
export function parseConfigText(text: string, options: ParseOptions = {}): HclObject {
  const isJson = options.filename?.toLowerCase().endsWith('.json') === true || /^[\s\uFEFF]*\{/.test(text);
  return isJson ? parseHclJson(text, options) : parseHcl(text, options);
}
