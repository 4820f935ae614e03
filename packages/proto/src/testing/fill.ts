// Fills any protobuf-es message with distinctive, non-default values in every field, so a sweep
// over all generated messages can put every field on the wire. Values depend on the field number
// (and list position), so a field that lands under the wrong number shows up as a wrong value.
import { ScalarType } from '@bufbuild/protobuf';
import type { DescField, DescMessage, DescOneof } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import type { ReflectMessage } from '@bufbuild/protobuf/reflect';

/** Nested messages below this depth stay empty (Struct and Value refer to each other). */
const MAX_DEPTH = 3;

function scalarSample(scalar: ScalarType, seed: number): unknown {
  switch (scalar) {
    case ScalarType.STRING: return `s${seed}`;
    case ScalarType.BYTES: return new Uint8Array([0xa0, seed & 0xff, seed >> 8, 0xff]);
    case ScalarType.BOOL: return true;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: return seed + 0.5;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64: return BigInt(seed) * 10n ** 12n + 7n;
    case ScalarType.UINT64:
    case ScalarType.FIXED64: return 2n ** 63n + BigInt(seed);
    default: return seed * 1000 + 7;
  }
}

function enumSample(field: DescField): number {
  const values = field.enum?.values ?? [];
  return values[values.length - 1]?.number ?? 0; // the last value is non-zero when there is one
}

function itemSample(kind: 'scalar' | 'enum' | 'message', field: DescField, seed: number, depth: number): unknown {
  if (kind === 'message' && field.message) return fill(field.message, depth + 1);
  if (kind === 'enum') return enumSample(field);
  return scalarSample(field.scalar ?? ScalarType.STRING, seed);
}

function setField(r: ReflectMessage, field: DescField, depth: number): void {
  const seed = field.number;
  switch (field.fieldKind) {
    case 'list': {
      const list = r.get(field);
      for (const offset of [0, 100]) list.add(itemSample(field.listKind, field, seed + offset, depth));
      break;
    }
    case 'map':
      r.get(field).set(`k${seed}`, itemSample(field.mapKind, field, seed, depth));
      break;
    case 'message':
      r.set(field, fill(field.message, depth + 1));
      break;
    case 'enum':
      r.set(field, enumSample(field));
      break;
    case 'scalar':
      r.set(field, scalarSample(field.scalar, seed));
      break;
  }
}

function isMessageTyped(field: DescField): boolean {
  return field.message !== undefined;
}

/** A message with every field set; in each oneof only `choice` (or the first member) is set. */
export function fill(desc: DescMessage, depth = 0, choice?: DescField): ReflectMessage {
  const r = reflect(desc);
  for (const field of desc.fields) {
    if (field.oneof && field !== (choice?.oneof === field.oneof ? choice : field.oneof.fields[0])) continue;
    if (depth >= MAX_DEPTH && isMessageTyped(field)) continue;
    setField(r, field, depth);
  }
  return r;
}

/** One filled message per member of the message's first oneof (one message if it has none). */
export function fillVariants(desc: DescMessage): ReflectMessage[] {
  const oneof: DescOneof | undefined = desc.oneofs[0];
  return oneof ? oneof.fields.map((member) => fill(desc, 0, member)) : [fill(desc)];
}
