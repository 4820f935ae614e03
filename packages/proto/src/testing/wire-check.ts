// Checks generated protobuf-es schemas against the fact table, on the wire and in the descriptors.
// The encoder is protobuf-es (the code under test); the decoder is protobufjs built from the
// hand-written table (fact-root.ts), so the two sides share nothing but the bytes.
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { ScalarType, clone, create, toBinary } from '@bufbuild/protobuf';
import type { DescEnum, DescField, DescMessage, DescService, MessageInitShape } from '@bufbuild/protobuf';
import { isReflectMessage, reflect } from '@bufbuild/protobuf/reflect';
import type { ReflectMessage } from '@bufbuild/protobuf/reflect';
import { factRoot, factServices } from './fact-root.js';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const SCALAR_WIRE: Record<string, number> = {
  int32: WIRE_VARINT, int64: WIRE_VARINT, uint32: WIRE_VARINT, uint64: WIRE_VARINT, sint32: WIRE_VARINT,
  sint64: WIRE_VARINT, bool: WIRE_VARINT, enum: WIRE_VARINT, fixed64: WIRE_I64, sfixed64: WIRE_I64,
  double: WIRE_I64, fixed32: WIRE_I32, sfixed32: WIRE_I32, float: WIRE_I32, string: WIRE_LEN, bytes: WIRE_LEN,
  message: WIRE_LEN,
};

/** The fact table's type for a protobuf-es message; fails naming the missing type. */
export function factType(schema: DescMessage): protobuf.Type {
  const found = factRoot().lookup(schema.typeName);
  assert.ok(found instanceof protobuf.Type, `fact table has no message named '${schema.typeName}'`);
  return found;
}

/** Wire type the fact table implies for a field (proto3 packs repeated scalars). */
export function expectedWireType(field: protobuf.Field): number {
  if (field.map) return WIRE_LEN;
  const resolved = field.resolvedType;
  const kind = resolved instanceof protobuf.Enum ? 'enum' : resolved ? 'message' : field.type;
  const wire = SCALAR_WIRE[kind];
  assert.ok(wire !== undefined, `unknown type '${field.type}' in fact table`);
  return field.repeated && wire !== WIRE_LEN ? WIRE_LEN : wire;
}

/** Top-level [field number, wire type] pairs of an encoded message, read with protobufjs's Reader. */
export function readTags(bytes: Uint8Array): Array<[number, number]> {
  const reader = protobuf.Reader.create(bytes);
  const tags: Array<[number, number]> = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    tags.push([tag >>> 3, tag & 7]);
    reader.skipType(tag & 7);
  }
  return tags;
}

function scalarName(scalar: ScalarType): string {
  return (ScalarType[scalar] ?? `scalar${scalar}`).toLowerCase();
}

/** "<number> [repeated] <type> [oneof:<group>]" for a protobuf-es field. */
function esSignature(f: DescField): string {
  let type: string;
  switch (f.fieldKind) {
    case 'scalar': type = scalarName(f.scalar); break;
    case 'enum': type = f.enum.typeName; break;
    case 'message': type = f.message.typeName; break;
    case 'list':
      type = `repeated ${f.listKind === 'scalar' ? scalarName(f.scalar) : f.listKind === 'enum' ? f.enum.typeName : f.message.typeName}`;
      break;
    case 'map':
      type = `map<${scalarName(f.mapKey)},${f.mapKind === 'scalar' ? scalarName(f.scalar) : f.mapKind === 'enum' ? f.enum.typeName : f.message.typeName}>`;
      break;
  }
  return `${f.number} ${type}${f.oneof ? ` oneof:${f.oneof.name}` : ''}`;
}

/** The same signature for a fact-table field. */
function factSignature(f: protobuf.Field): string {
  const type = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
  const shape = f instanceof protobuf.MapField ? `map<${f.keyType},${type}>` : `${f.repeated ? 'repeated ' : ''}${type}`;
  return `${f.id} ${shape}${f.partOf ? ` oneof:${f.partOf.name}` : ''}`;
}

/** Field names, numbers, types, labels and oneofs of a message equal the fact table's. */
export function checkDescriptor(schema: DescMessage): void {
  const type = factType(schema);
  const actual = Object.fromEntries(schema.fields.map((f) => [f.name, esSignature(f)]));
  const expected = Object.fromEntries(type.fieldsArray.map((f) => [f.name, factSignature(f)]));
  assert.deepEqual(actual, expected, `fields of ${schema.typeName}`);
}

/** Enum value names and numbers equal the fact table's. */
export function checkEnum(schema: DescEnum): void {
  const found = factRoot().lookup(schema.typeName);
  assert.ok(found instanceof protobuf.Enum, `fact table has no enum named '${schema.typeName}'`);
  const actual = Object.fromEntries(schema.values.map((v) => [v.name, v.number]));
  assert.deepEqual(actual, { ...found.values }, `values of ${schema.typeName}`);
}

/** Service name, methods, streaming kinds and request/response types equal the fact table's. */
export function checkService(schema: DescService): void {
  const expected = factServices().find((s) => s.typeName === schema.typeName);
  assert.ok(expected, `fact table has no service named '${schema.typeName}'`);
  const actual = schema.methods.map((m) => ({
    name: m.name, kind: m.methodKind, input: m.input.typeName, output: m.output.typeName,
  }));
  const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
  assert.deepEqual([...actual].sort(byName), [...expected.methods].sort(byName), `methods of ${schema.typeName}`);
}

/** A reflected value in protobufjs `toObject` form (longs/enums/bytes as strings). */
function plainValue(kind: 'scalar' | 'enum' | 'message', f: DescField, value: unknown): unknown {
  if (kind === 'message') {
    assert.ok(isReflectMessage(value));
    return plainMessage(value);
  }
  if (kind === 'enum') {
    const number = value as number;
    return f.enum?.value[number]?.name ?? number;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return typeof value === 'bigint' ? value.toString() : value;
}

/** A protobuf-es message as protobufjs would render it, keyed by proto field names. */
export function plainMessage(r: ReflectMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // protobufjs's bundled well-known types use camelCase field names.
  const wkt = r.desc.typeName.startsWith('google.protobuf.');
  for (const f of r.fields) {
    if (!r.isSet(f)) continue;
    const key = wkt ? f.jsonName : f.name;
    switch (f.fieldKind) {
      case 'list':
        out[key] = [...r.get(f)].map((v) => plainValue(f.listKind, f, v));
        break;
      case 'map':
        out[key] = Object.fromEntries([...r.get(f)].map(([k, v]) => [String(k), plainValue(f.mapKind, f, v)]));
        break;
      default:
        out[key] = plainValue(f.fieldKind, f, r.get(f));
    }
  }
  return out;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String };

/**
 * Encodes `message` with protobuf-es and decodes it with protobufjs from the fact table:
 * the values must come back under the same field names, and each set field, encoded alone,
 * must carry exactly the fact table's field number and wire type.
 * Returns the names of the fields that were set.
 */
export function checkWireMessage(schema: DescMessage, message: ReflectMessage): string[] {
  const type = factType(schema);
  const bytes = toBinary(schema, message.message);
  const decoded = type.toObject(type.decode(bytes), TO_OBJECT);
  assert.deepEqual(decoded, plainMessage(message), `${schema.typeName} decoded by protobufjs`);
  const set = schema.fields.filter((f) => message.isSet(f));
  for (const field of set) {
    const alone = reflect(schema, clone(schema, message.message));
    for (const other of schema.fields) if (other !== field) alone.clear(other);
    const fact = type.fields[field.name];
    assert.ok(fact, `fact table has no field '${field.name}' in ${schema.typeName}`);
    const tags = readTags(toBinary(schema, alone.message));
    assert.ok(tags.length > 0, `${schema.typeName}.${field.name} was not encoded`);
    for (const [number, wireType] of tags) {
      assert.deepEqual(
        { number, wireType },
        { number: fact.id, wireType: expectedWireType(fact) },
        `${schema.typeName}.${field.name} on the wire`,
      );
    }
  }
  return set.map((f) => f.name);
}

/**
 * Builds each sample with `create`, checks it on the wire, and asserts that together the samples
 * set every field of the message (so nothing escapes the check).
 */
export function checkWire<Desc extends DescMessage>(schema: Desc, ...samples: MessageInitShape<Desc>[]): void {
  checkDescriptor(schema);
  const covered = new Set<string>();
  for (const sample of samples) {
    for (const name of checkWireMessage(schema, reflect(schema, create(schema, sample)))) covered.add(name);
  }
  const missing = schema.fields.map((f) => f.name).filter((n) => !covered.has(n));
  assert.deepEqual(missing, [], `fields of ${schema.typeName} that no sample sets`);
}
