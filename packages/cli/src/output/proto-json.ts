/**
 * `-output json` for protobuf messages: protojson with proto field names and every implicit
 * field emitted (int64 as strings, bytes as base64, enums by name), re-encoded Go-style.
 */
import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { encodeGoJson, type JsonValue } from './go-json.js';

/** One message with its schema, ready for printing. */
export interface ProtoItem {
  readonly schema: DescMessage;
  readonly message: MessageShape<DescMessage>;
}

/** Pairs a message with its schema (keeps the types of both in step). */
export function protoItem<D extends DescMessage>(schema: D, message: MessageShape<D>): ProtoItem {
  return { schema, message };
}

/** The message as a plain JSON value (before Go's re-encoding). */
export function protoToJsonValue(item: ProtoItem): JsonValue {
  return toJson(item.schema, item.message, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonValue;
}

/** JSON text of one message (an object) or of several (an array), ending in a newline. */
export function formatProtoJson(items: readonly ProtoItem[]): string {
  if (items.length === 0) return '';
  const values = items.map(protoToJsonValue);
  return encodeGoJson(values.length === 1 ? (values[0] as JsonValue) : values);
}
