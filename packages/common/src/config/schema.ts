/**
 * Declarative schemas for SPIRE-style config sections. A schema maps each key to how its
 * value is read; the decoded type follows from the schema.
 *
 * @example
 * const serverSchema = {
 *   bind_port: 'int',
 *   ca_ttl: 'duration',
 *   ca_subject: block({ country: 'stringList', common_name: 'string' }),
 *   federation: block({ federates_with: labelledBlocks({ bundle_endpoint_url: 'string' }) }),
 * } as const satisfies Schema;
 * type ServerSection = Decoded<typeof serverSchema>; // { bind_port?: number; ca_ttl?: number; ... }
 */
import type { SourcePosition } from '../hcl/errors.js';

/** Leaf kinds. `duration` decodes Go syntax to milliseconds; `any` passes the value through. */
export type ScalarKind = 'string' | 'int' | 'float' | 'bool' | 'duration' | 'stringList' | 'any';

/** A nested `key { ... }` (or `key = { ... }`) section. */
export interface BlockSpec<S extends Schema = Schema> {
  readonly kind: 'block';
  readonly schema: S;
}
/** `key "label" { ... }` written any number of times (or `key = { "label" = { ... } }`). */
export interface LabelledBlocksSpec<S extends Schema = Schema> {
  readonly kind: 'labelledBlocks';
  readonly schema: S;
}
/** A list of objects: `key = [{ ... }, { ... }]` or the block `key { ... }` repeated. */
export interface BlockListSpec<S extends Schema = Schema> {
  readonly kind: 'blockList';
  readonly schema: S;
}
/** An object whose keys are free (e.g. plugin types), each value read by `value`. */
export interface MapSpec<F extends FieldSpec = FieldSpec> {
  readonly kind: 'map';
  readonly value: F;
}

export type FieldSpec = ScalarKind | BlockSpec | LabelledBlocksSpec | BlockListSpec | MapSpec;
export type Schema = { readonly [key: string]: FieldSpec };

export const block = <S extends Schema>(schema: S): BlockSpec<S> => ({ kind: 'block', schema });
export const labelledBlocks = <S extends Schema>(schema: S): LabelledBlocksSpec<S> => ({ kind: 'labelledBlocks', schema });
export const blockList = <S extends Schema>(schema: S): BlockListSpec<S> => ({ kind: 'blockList', schema });
export const mapOf = <F extends FieldSpec>(value: F): MapSpec<F> => ({ kind: 'map', value });

/** One occurrence of a labelled block, in source order. */
export interface LabelledBlock<T> {
  readonly label: string;
  readonly body: T;
  /** Where the label was written, when the config came from text. */
  readonly position: SourcePosition | undefined;
}

/** The decoded value of one field. */
export type DecodedField<F> = F extends 'string'
  ? string
  : F extends 'int' | 'float' | 'duration'
    ? number
    : F extends 'bool'
      ? boolean
      : F extends 'stringList'
        ? string[]
        : F extends 'any'
          ? unknown
          : F extends BlockSpec<infer S>
            ? Decoded<S>
            : F extends LabelledBlocksSpec<infer S>
              ? LabelledBlock<Decoded<S>>[]
              : F extends BlockListSpec<infer S>
                ? Decoded<S>[]
                : F extends MapSpec<infer V>
                  ? Record<string, DecodedField<V>>
                  : never;

/** The decoded value of a schema: every key optional (absent when not written). */
export type Decoded<S extends Schema> = { -readonly [K in keyof S]?: DecodedField<S[K]> };
