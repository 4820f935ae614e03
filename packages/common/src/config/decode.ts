/**
 * Schema-driven decoding of plain config values (from loadConfigText) into typed values, with
 * HCL v1 weak typing: `bind_port = "8081"` and `8081` both give 8081, `"true"` gives true,
 * numbers are accepted where strings are expected. Durations use Go syntax and become
 * milliseconds. Unknown keys are collected, not thrown: the caller decides (SPIRE fails).
 */
import { parseGoDuration } from '../duration.js';
import { parseGoBool, parseGoFloat, parseGoInt } from '../go-strconv.js';
import { formatPosition, type SourcePosition } from '../hcl/errors.js';
import { isRepeatedKey, positionOf, type PlainObject } from '../hcl/to-plain.js';
import { ConfigError, UnknownKeysError, type UnknownKey } from './config-error.js';
import type { Decoded, FieldSpec, LabelledBlock, ScalarKind, Schema } from './schema.js';

export interface DecodeOptions {
  /** Path of the input inside the whole config, prefixed to every reported key (e.g. `server`). */
  readonly path?: string;
}

export interface DecodeResult<T> {
  readonly value: T;
  /** Keys no schema knew, in source order, with full paths. */
  readonly unknownKeys: readonly UnknownKey[];
}

/** Where a value sits: its container and key (or index), to find its source position. */
interface Site {
  readonly container: object | undefined;
  readonly key: string | number;
  readonly path: string;
}

const EXPECTED: Readonly<Record<Exclude<ScalarKind, 'any'>, string>> = {
  string: 'a string',
  int: 'an integer',
  float: 'a number',
  bool: 'a boolean',
  duration: 'a duration such as "1h30m"',
  stringList: 'a list of strings',
};

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Describes a value for an error message, bounded so huge input cannot flood logs. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a block';
  return String(value);
}

class Decoder {
  readonly unknownKeys: UnknownKey[] = [];

  object(input: PlainObject, schema: Schema, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      const spec = Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
      if (spec === undefined) {
        this.unknownKeys.push({ path: join(path, key), position: positionOf(input, key) });
        continue;
      }
      if (value === null) continue; // JSON null: unset
      define(out, key, this.field(value, spec, { container: input, key, path: join(path, key) }));
    }
    return out;
  }

  private field(value: unknown, spec: FieldSpec, site: Site): unknown {
    if (spec === 'any') return value;
    const repeated = site.container !== undefined && typeof site.key === 'string' && isRepeatedKey(site.container as PlainObject, site.key);
    if (typeof spec === 'string') {
      if (repeated) this.failRepeated(value as unknown[], site);
      return this.scalar(value, spec, site);
    }
    switch (spec.kind) {
      case 'block':
        if (repeated) this.failRepeated(value as unknown[], site);
        return this.object(this.asBlock(value, site), spec.schema, site.path);
      case 'blockList':
        return this.occurrences(value, repeated, site).map((item, index) =>
          this.object(this.asBlock(item.value, item.site), spec.schema, `${site.path}[${index}]`),
        );
      case 'labelledBlocks':
        return this.labelled(value, repeated, site, spec.schema);
      case 'map': {
        const input = this.asBlock(value, site);
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(input)) {
          if (item === null) continue;
          define(out, key, this.field(item, spec.value, { container: input, key, path: join(site.path, key) }));
        }
        return out;
      }
    }
  }

  /** The values of a list-like field: each occurrence of a repeated key, or each list element. */
  private occurrences(value: unknown, repeated: boolean, site: Site): { value: unknown; site: Site }[] {
    const elements = (list: unknown[], at: Site): { value: unknown; site: Site }[] =>
      list.map((v, i) => ({ value: v, site: { container: list, key: i, path: `${at.path}[${i}]` } }));
    if (!Array.isArray(value)) return [{ value, site }];
    if (!repeated) return elements(value, site);
    return value.flatMap((occurrence, i) => {
      const at: Site = { container: value, key: i, path: site.path };
      return Array.isArray(occurrence) ? elements(occurrence, at) : [{ value: occurrence, site: at }];
    });
  }

  private labelled(value: unknown, repeated: boolean, site: Site, schema: Schema): LabelledBlock<unknown>[] {
    const out: LabelledBlock<unknown>[] = [];
    for (const occurrence of this.occurrences(value, repeated || Array.isArray(value), site)) {
      const labels = this.asBlock(occurrence.value, occurrence.site);
      for (const [label, body] of Object.entries(labels)) {
        const at: Site = { container: labels, key: label, path: join(site.path, label) };
        out.push({ label, body: this.object(this.asBlock(body, at), schema, at.path), position: positionOf(labels, label) });
      }
    }
    return out;
  }

  /** A block value; JSON configs may wrap a block in a one-element list, as HCL v1 allows. */
  private asBlock(value: unknown, site: Site): PlainObject {
    if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return value[0];
    if (isPlainObject(value)) return value;
    return this.fail(site, `expected a block, got ${describeValue(value)}`);
  }

  private scalar(value: unknown, kind: Exclude<ScalarKind, 'any'>, site: Site): unknown {
    const bad = (): never => this.fail(site, `expected ${EXPECTED[kind]}, got ${describeValue(value)}`);
    switch (kind) {
      case 'string':
        return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : bad();
      case 'int': {
        if (typeof value === 'number') return Number.isSafeInteger(value) ? value : bad();
        if (typeof value !== 'string') return bad();
        const parsed = parseGoInt(value);
        if (parsed.ok) return parsed.value;
        return parsed.reason === 'value out of range' ? this.fail(site, `integer ${describeValue(value)} is out of range`) : bad();
      }
      case 'float': {
        if (typeof value === 'number') return value;
        const parsed = typeof value === 'string' ? parseGoFloat(value) : undefined;
        return parsed?.ok === true ? parsed.value : bad();
      }
      case 'bool': {
        if (typeof value === 'boolean') return value;
        const parsed = typeof value === 'string' ? parseGoBool(value) : undefined;
        return parsed?.ok === true ? parsed.value : bad();
      }
      case 'duration':
        if (typeof value !== 'string' && typeof value !== 'number') return bad();
        try {
          return parseGoDuration(String(value));
        } catch (err) {
          return this.fail(site, `expected ${EXPECTED.duration}, got ${describeValue(value)} (${(err as Error).message})`);
        }
      case 'stringList':
        if (!Array.isArray(value)) return bad();
        return value.map((item, index) => this.scalar(item, 'string', { container: value, key: index, path: `${site.path}[${index}]` }));
    }
  }

  private failRepeated(occurrences: unknown[], site: Site): never {
    const places = occurrences
      .map((_, i) => positionOf(occurrences, i))
      .filter((p): p is SourcePosition => p !== undefined)
      .map(formatPosition);
    const where = places.length > 0 ? ` (at ${places.join(', ')})` : '';
    throw new ConfigError(site.path, `set more than once${where}`);
  }

  private fail(site: Site, reason: string): never {
    const position = site.container === undefined ? undefined : positionOf(site.container, site.key);
    throw new ConfigError(site.path, reason, position);
  }
}

/**
 * Decodes `input` (normally loadConfigText output or one section of it) by `schema`.
 * Throws ConfigError on the first bad value; returns unknown keys for the caller to judge.
 * @example
 * const { value, unknownKeys } = decodeConfig(plain, { server: block(serverSchema), plugins: 'any' });
 * throwOnUnknownKeys(unknownKeys);
 */
export function decodeConfig<S extends Schema>(input: unknown, schema: S, options: DecodeOptions = {}): DecodeResult<Decoded<S>> {
  const path = options.path ?? '';
  if (!isPlainObject(input)) throw new ConfigError(path, `expected a block, got ${describeValue(input)}`);
  const decoder = new Decoder();
  const value = decoder.object(input, schema, path) as Decoded<S>;
  return { value, unknownKeys: decoder.unknownKeys };
}

/** Throws UnknownKeysError (`unknown configuration detected: a.b, c`) when any key was unknown. */
export function throwOnUnknownKeys(unknownKeys: readonly UnknownKey[]): void {
  if (unknownKeys.length > 0) throw new UnknownKeysError(unknownKeys);
}
