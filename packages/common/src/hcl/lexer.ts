/**
 * Tokenizer for SPIRE's config dialect (hashicorp/hcl v1) and for JSON configs. Newlines are
 * plain whitespace: HCL v1 separates items by position, not by line breaks.
 */
import { HclError, type SourcePosition } from './errors.js';

export type TokenType =
  | 'ident' | 'string' | 'heredoc' | 'number' | 'bool'
  | '{' | '}' | '[' | ']' | ',' | '=' | ':' | 'eof';

export interface Token {
  readonly type: TokenType;
  /** The source text of the token. */
  readonly raw: string;
  /** Decoded value: string for ident/string/heredoc, number, or boolean. */
  readonly value: string | number | boolean;
  readonly pos: SourcePosition;
}

const PUNCTUATION = new Set(['{', '}', '[', ']', ',', '=', ':']);
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', a: '\x07', b: '\b', f: '\f', v: '\v',
};

function isIdentStart(ch: string): boolean {
  return /^[A-Za-z_]$/.test(ch) || (ch >= '\u0080' && /\p{L}/u.test(ch));
}
function isIdentPart(ch: string): boolean {
  return isIdentStart(ch) || /^[0-9.-]$/.test(ch);
}
function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

/** A human description of a token for error messages: `'}'`, `identifier "foo"`, `end of file`. */
export function describeToken(tok: Token): string {
  switch (tok.type) {
    case 'eof': return 'end of file';
    case 'ident': return `identifier ${JSON.stringify(tok.raw)}`;
    case 'string': case 'heredoc': return `string ${JSON.stringify(tok.value)}`;
    case 'number': return `number ${tok.raw}`;
    case 'bool': return `boolean ${tok.raw}`;
    default: return `'${tok.type}'`;
  }
}

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly src: string, private readonly filename: string | undefined) {}

  run(): Token[] {
    for (;;) {
      this.skipSpaceAndComments();
      const pos = this.pos();
      if (this.i >= this.src.length) {
        this.tokens.push({ type: 'eof', raw: '', value: '', pos });
        return this.tokens;
      }
      this.tokens.push(this.next(pos));
    }
  }

  private pos(at = this.i): SourcePosition {
    const column = at - this.lineStart + 1;
    return this.filename === undefined ? { line: this.line, column } : { line: this.line, column, filename: this.filename };
  }

  private fail(pos: SourcePosition, reason: string): never {
    throw new HclError(pos, reason);
  }

  private advance(): string {
    const ch = this.src[this.i++] ?? '';
    if (ch === '\n') {
      this.line++;
      this.lineStart = this.i;
    }
    return ch;
  }

  private peek(offset = 0): string {
    return this.src[this.i + offset] ?? '';
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.peek();
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') this.advance();
      else if (ch === '#' || (ch === '/' && this.peek(1) === '/')) this.skipLine();
      else if (ch === '/' && this.peek(1) === '*') this.skipBlockComment();
      else return;
    }
  }

  private skipLine(): void {
    while (this.i < this.src.length && this.peek() !== '\n') this.advance();
  }

  private skipBlockComment(): void {
    const start = this.pos();
    this.advance();
    this.advance();
    while (this.i < this.src.length) {
      if (this.peek() === '*' && this.peek(1) === '/') {
        this.advance();
        this.advance();
        return;
      }
      this.advance();
    }
    this.fail(start, "comment not terminated: missing '*/'");
  }

  private next(pos: SourcePosition): Token {
    const ch = this.peek();
    if (PUNCTUATION.has(ch)) {
      this.advance();
      return { type: ch as TokenType, raw: ch, value: ch, pos };
    }
    if (ch === '"') return this.string(pos);
    if (ch === '<' && this.peek(1) === '<') return this.heredoc(pos);
    if (isDigit(ch) || (ch === '-' && (isDigit(this.peek(1)) || this.peek(1) === '.'))) return this.number(pos);
    if (ch === '.' && isDigit(this.peek(1))) return this.number(pos);
    if (isIdentStart(ch)) return this.ident(pos);
    return this.fail(pos, `unexpected character ${JSON.stringify(ch)}`);
  }

  private ident(pos: SourcePosition): Token {
    const start = this.i;
    while (this.i < this.src.length && isIdentPart(this.peek())) this.advance();
    const raw = this.src.slice(start, this.i);
    if (raw === 'true' || raw === 'false') return { type: 'bool', raw, value: raw === 'true', pos };
    return { type: 'ident', raw, value: raw, pos };
  }

  private number(pos: SourcePosition): Token {
    const start = this.i;
    const match = /^-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(this.src.slice(start));
    const raw = match?.[0] ?? '';
    if (raw === '' || raw === '-') this.fail(pos, 'invalid number');
    for (let k = 0; k < raw.length; k++) this.advance();
    if (isIdentPart(this.peek()) && this.peek() !== '.' && this.peek() !== '-') {
      let end = this.i;
      while (end < this.src.length && isIdentPart(this.src[end] ?? '')) end++;
      this.fail(pos, `invalid number ${JSON.stringify(this.src.slice(start, end))} (quote strings such as durations: "30s")`);
    }
    return { type: 'number', raw, value: numberValue(raw, pos), pos };
  }

  private string(pos: SourcePosition): Token {
    const start = this.i;
    this.advance(); // opening quote
    let value = '';
    let braces = 0; // inside ${...} quotes do not end the string (HCL v1 interpolation syntax)
    for (;;) {
      const ch = this.peek();
      if (this.i >= this.src.length || (ch === '\n' && braces === 0)) this.fail(pos, 'unterminated string: missing closing \'"\'');
      if (ch === '"' && braces === 0) {
        this.advance();
        return { type: 'string', raw: this.src.slice(start, this.i), value, pos };
      }
      if (braces === 0 && ch === '$' && this.peek(1) === '{') {
        braces = 1;
        value += this.advance() + this.advance();
        continue;
      }
      if (braces > 0) {
        if (ch === '{') braces++;
        else if (ch === '}') braces--;
        value += this.advance();
        continue;
      }
      value += ch === '\\' ? this.escape() : this.advance();
    }
  }

  private escape(): string {
    const pos = this.pos();
    this.advance(); // backslash
    const ch = this.advance();
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) return simple;
    const hexLength = ch === 'u' ? 4 : ch === 'U' ? 8 : ch === 'x' ? 2 : 0;
    if (hexLength > 0) return String.fromCodePoint(this.escapeDigits(pos, ch, hexLength, /^[0-9a-fA-F]$/, 16));
    if (ch >= '0' && ch <= '7') {
      this.i--; // re-read the first digit
      return String.fromCodePoint(this.escapeDigits(pos, ch, 3, /^[0-7]$/, 8));
    }
    return this.fail(pos, `invalid escape sequence "\\${ch}" in string`);
  }

  private escapeDigits(pos: SourcePosition, kind: string, length: number, digit: RegExp, radix: number): number {
    const digits = this.src.slice(this.i, this.i + length);
    if (digits.length !== length || ![...digits].every((d) => digit.test(d))) {
      this.fail(pos, `invalid escape sequence "\\${kind}": expected ${length} digits`);
    }
    for (let k = 0; k < length; k++) this.advance();
    const code = parseInt(digits, radix);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) this.fail(pos, `invalid escape sequence: code point ${digits} is not a character`);
    return code;
  }

  private heredoc(pos: SourcePosition): Token {
    const start = this.i;
    this.advance();
    this.advance();
    const indented = this.peek() === '-';
    if (indented) this.advance();
    const anchorMatch = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.i));
    if (anchorMatch === null) this.fail(pos, 'heredoc anchor expected after "<<"');
    const anchor = anchorMatch[0];
    for (let k = 0; k < anchor.length; k++) this.advance();
    if (this.peek() === '\r') this.advance();
    if (this.peek() !== '\n') this.fail(pos, `heredoc anchor "${anchor}" must be followed by a newline`);
    this.advance();
    const lines: string[] = [];
    while (this.i < this.src.length) {
      const end = this.src.indexOf('\n', this.i);
      const lineText = this.src.slice(this.i, end === -1 ? this.src.length : end);
      const closing = /^([ \t]*)(\S+?)\r*$/.exec(lineText);
      if (closing !== null && closing[2] === anchor) {
        for (let k = 0; k < lineText.length; k++) this.advance();
        const value = heredocValue(lines, indented ? (closing[1] ?? '') : undefined);
        return { type: 'heredoc', raw: this.src.slice(start, this.i), value, pos };
      }
      lines.push(lineText);
      for (let k = 0; k < lineText.length; k++) this.advance();
      if (end !== -1) this.advance();
    }
    return this.fail(pos, `unterminated heredoc: missing closing "${anchor}"`);
  }
}

/** Joins heredoc lines; `<<-` strips the closing anchor's indentation when every line has it. */
function heredocValue(lines: string[], indentation: string | undefined): string {
  if (lines.length === 0) return '';
  let body = lines;
  if (indentation !== undefined && indentation !== '' && lines.every((l) => l.startsWith(indentation))) {
    body = lines.map((l) => l.slice(indentation.length));
  }
  return `${body.join('\n')}\n`;
}

/** Integer literals follow Go base prefixes (0x hex, leading 0 octal) as HCL v1 does. */
function numberValue(raw: string, pos: SourcePosition): number {
  const negative = raw.startsWith('-');
  const body = negative ? raw.slice(1) : raw;
  let value: number;
  if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0\d+$/.test(body)) {
    if (/[89]/.test(body)) throw new HclError(pos, `invalid octal number ${raw}`);
    value = parseInt(body, 8);
  } else value = Number(body);
  if (!Number.isFinite(value)) throw new HclError(pos, `number ${raw} is out of range`);
  const isInteger = /^0[xX]/.test(body) || /^\d+$/.test(body);
  if (isInteger && !Number.isSafeInteger(value)) {
    throw new HclError(pos, `integer ${raw} is out of range`);
  }
  return negative ? -value : value;
}

/** Splits config text into tokens, ending with an 'eof' token. Throws HclError. */
export function tokenize(text: string, filename?: string): Token[] {
  return new Lexer(text, filename).run();
}
