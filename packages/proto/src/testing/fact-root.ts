// Turns the hand-written fact table into a protobufjs reflection Root: the independent decoder the
// wire tests use. Well-known types come from protobufjs's own copies, not from buf or protobuf-es.
import protobuf from 'protobufjs';
import { PACKAGES } from './fact-table.js';

/** A method as the fact sheet states it. */
export interface FactMethod {
  name: string;
  kind: 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';
  input: string;
  output: string;
}

/** A service as the fact sheet states it, keyed by full name. */
export interface FactService {
  typeName: string;
  methods: FactMethod[];
}

type JsonNode = { nested?: Record<string, JsonNode>; [key: string]: unknown };

const KINDS = {
  unary: 'unary',
  server: 'server_streaming',
  client: 'client_streaming',
  bidi: 'bidi_streaming',
} as const;

const FIELD = /^(\w+)=(\d+)\s+(?:(repeated)\s+)?(?:map<(\w+),([\w.]+)>|([\w.]+))(?:\s+oneof:(\w+))?$/;

function fullName(pkg: string, name: string): string {
  return pkg === '' ? name : `${pkg}.${name}`;
}

function place(root: JsonNode, name: string): JsonNode {
  let node = root;
  for (const part of name.split('.')) {
    const nested = (node.nested ??= {});
    node = nested[part] ??= {};
  }
  return node;
}

function splitList(text: string): string[] {
  return text.split(';').map((s) => s.trim()).filter((s) => s !== '');
}

function messageJson(name: string, dsl: string): { fields: object; oneofs?: object } {
  const fields: Record<string, unknown> = {};
  const oneofs: Record<string, { oneof: string[] }> = {};
  for (const spec of splitList(dsl)) {
    const m = FIELD.exec(spec);
    if (!m) throw new Error(`fact table: cannot parse field '${spec}' of ${name}`);
    const [, fieldName = '', id, repeated, mapKey, mapValue, type, oneof] = m;
    fields[fieldName] = mapKey
      ? { keyType: mapKey, type: mapValue, id: Number(id) }
      : { type, id: Number(id), ...(repeated ? { rule: 'repeated' } : {}) };
    if (oneof) (oneofs[oneof] ??= { oneof: [] }).oneof.push(fieldName);
  }
  return Object.keys(oneofs).length > 0 ? { fields, oneofs } : { fields };
}

function enumJson(name: string, dsl: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const pair of dsl.split(/\s+/)) {
    const [key, num] = pair.split('=');
    if (!key || num === undefined) throw new Error(`fact table: cannot parse enum value '${pair}' of ${name}`);
    values[key] = Number(num);
  }
  return values;
}

function parseMethods(pkg: string, dsl: string): FactMethod[] {
  return splitList(dsl).map((spec) => {
    const [name, kind, input, output] = spec.split(/\s+/);
    if (!name || !input || !output || !(kind && kind in KINDS)) {
      throw new Error(`fact table: cannot parse method '${spec}' in ${pkg || '(no package)'}`);
    }
    const qualify = (t: string): string => (t.includes('.') ? t : fullName(pkg, t));
    return { name, kind: KINDS[kind as keyof typeof KINDS], input: qualify(input), output: qualify(output) };
  });
}

/** Every service of the fact table. */
export function factServices(): FactService[] {
  const services: FactService[] = [];
  for (const [pkg, facts] of Object.entries(PACKAGES)) {
    if (facts.service) {
      services.push({ typeName: fullName(pkg, facts.service.name), methods: parseMethods(pkg, facts.service.methods) });
    }
  }
  return services;
}

/** Full names of every message and every enum of the fact table. */
export function factTypeNames(): { messages: string[]; enums: string[] } {
  const messages: string[] = [];
  const enums: string[] = [];
  for (const [pkg, facts] of Object.entries(PACKAGES)) {
    for (const name of Object.keys(facts.messages)) messages.push(fullName(pkg, name));
    for (const name of Object.keys(facts.enums ?? {})) enums.push(fullName(pkg, name));
  }
  return { messages: messages.sort(), enums: enums.sort() };
}

function buildRoot(): protobuf.Root {
  const json: JsonNode = {};
  for (const [pkg, facts] of Object.entries(PACKAGES)) {
    for (const [name, dsl] of Object.entries(facts.messages)) {
      Object.assign(place(json, fullName(pkg, name)), messageJson(name, dsl));
    }
    for (const [name, dsl] of Object.entries(facts.enums ?? {})) {
      place(json, fullName(pkg, name)).values = enumJson(name, dsl);
    }
  }
  const root = new protobuf.Root();
  for (const file of ['empty', 'wrappers', 'struct']) {
    const wkt = protobuf.common.get(`google/protobuf/${file}.proto`);
    if (!wkt?.nested) throw new Error(`protobufjs has no google/protobuf/${file}.proto`);
    root.addJSON(wkt.nested);
  }
  root.addJSON(json.nested ?? {});
  root.resolveAll(); // every type named in the table must exist
  return root;
}

let cached: protobuf.Root | undefined;

/** The protobufjs Root of the fact table (built once per process). */
export function factRoot(): protobuf.Root {
  return (cached ??= buildRoot());
}
