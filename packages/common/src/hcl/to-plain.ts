/**
 * Turns the AST into plain JS values the way HCL v1 decodes into `map[string]interface{}`,
 * minus its list-wrapping quirks:
 * - objects -> objects; lists -> arrays; strings, numbers, booleans as themselves; JSON null -> null
 * - labelled blocks nest by label: `DataStore "sql" { ... }` -> `{ DataStore: { sql: { ... } } }`
 * - a key written more than once becomes an array of its occurrences, in source order:
 *   `KeyManager "disk" {}` + `KeyManager "memory" {}` -> `{ KeyManager: [{ disk: {} }, { memory: {} }] }`
 * Where each key and element was written is kept on the side; read it with positionOf().
 */
import type { HclObject, HclValue } from './ast.js';
import type { SourcePosition } from './errors.js';

export type PlainValue = string | number | boolean | null | PlainValue[] | PlainObject;
export interface PlainObject {
  [key: string]: PlainValue;
}

interface Positions {
  self: SourcePosition;
  members: Map<string | number, SourcePosition>;
}

const positions = new WeakMap<object, Positions>();
/** Arrays that hold the occurrences of a repeated key (as opposed to lists written in the text). */
const repeatedArrays = new WeakSet<object>();

/**
 * Where a key of a plain object (or an element of an array) produced by hclToPlain was written;
 * without `member`, where the object or array itself starts. Undefined for values that did not
 * come from config text.
 */
export function positionOf(container: object, member?: string | number): SourcePosition | undefined {
  const entry = positions.get(container);
  if (entry === undefined) return undefined;
  return member === undefined ? entry.self : entry.members.get(member);
}

function track<T extends object>(value: T, self: SourcePosition): Positions & { value: T } {
  const entry = { self, members: new Map<string | number, SourcePosition>() };
  positions.set(value, entry);
  return { ...entry, value };
}

/** Defines a property without invoking setters, so a key like `__proto__` stays plain data. */
function define(target: PlainObject, key: string, value: PlainValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Converts a parsed config (or any AST value) into plain JS. */
export function hclToPlain(node: HclObject): PlainObject;
export function hclToPlain(node: HclValue): PlainValue;
export function hclToPlain(node: HclValue): PlainValue {
  switch (node.type) {
    case 'string': case 'number': case 'bool':
      return node.value;
    case 'null':
      return null;
    case 'list': {
      const { value, members } = track<PlainValue[]>([], node.pos);
      node.items.forEach((item, index) => {
        value.push(hclToPlain(item));
        members.set(index, item.pos);
      });
      return value;
    }
    case 'object':
      return objectToPlain(node);
  }
}

function objectToPlain(node: HclObject): PlainObject {
  const { value: out, members } = track<PlainObject>({}, node.pos);
  const repeated = new Map<string, PlainValue[]>();
  for (const item of node.items) {
    const [first, ...labels] = item.keys;
    let value = hclToPlain(item.value);
    // Wrap innermost label first: keys [A, b, c] -> A: { b: { c: value } }.
    for (let k = labels.length - 1; k >= 0; k--) {
      const label = labels[k];
      if (label === undefined) continue;
      const wrapper = track<PlainObject>({}, label.pos);
      define(wrapper.value, label.name, value);
      wrapper.members.set(label.name, label.pos);
      value = wrapper.value;
    }
    addOccurrence(out, members, repeated, first.name, first.pos, value);
  }
  return out;
}

function addOccurrence(
  out: PlainObject,
  members: Map<string | number, SourcePosition>,
  repeated: Map<string, PlainValue[]>,
  key: string,
  pos: SourcePosition,
  value: PlainValue,
): void {
  if (!Object.prototype.hasOwnProperty.call(out, key)) {
    define(out, key, value);
    members.set(key, pos);
    return;
  }
  let occurrences = repeated.get(key);
  if (occurrences === undefined) {
    const firstPos = members.get(key) ?? pos;
    const list = track<PlainValue[]>([out[key] as PlainValue], firstPos);
    list.members.set(0, firstPos);
    occurrences = list.value;
    repeatedArrays.add(occurrences);
    repeated.set(key, occurrences);
    define(out, key, occurrences);
  }
  positions.get(occurrences)?.members.set(occurrences.length, pos);
  occurrences.push(value);
}

/** True when `value` is an array built from a key written several times (not a written list). */
export function isRepeatedKey(container: PlainObject, key: string): boolean {
  const value = container[key];
  if (!Array.isArray(value)) return false;
  return repeatedArrays.has(value);
}
