/** The syntax tree of an HCL v1 (or JSON) config: values keep where they were written. */
import type { SourcePosition } from './errors.js';

export interface HclString {
  readonly type: 'string';
  readonly value: string;
  /** True for `<<EOF` heredocs. */
  readonly heredoc: boolean;
  readonly pos: SourcePosition;
}
export interface HclNumber {
  readonly type: 'number';
  readonly value: number;
  /** The literal as written (e.g. `0x1f`, `0644`). */
  readonly raw: string;
  readonly pos: SourcePosition;
}
export interface HclBool {
  readonly type: 'bool';
  readonly value: boolean;
  readonly pos: SourcePosition;
}
/** Only JSON configs can write null. */
export interface HclNull {
  readonly type: 'null';
  readonly pos: SourcePosition;
}
export interface HclList {
  readonly type: 'list';
  readonly items: readonly HclValue[];
  readonly pos: SourcePosition;
}
export interface HclObject {
  readonly type: 'object';
  /** Items in source order; a key may repeat. */
  readonly items: readonly HclObjectItem[];
  readonly pos: SourcePosition;
}
export type HclValue = HclString | HclNumber | HclBool | HclNull | HclList | HclObject;

/** One key (identifier or quoted string) of an item. */
export interface HclKey {
  readonly name: string;
  readonly quoted: boolean;
  readonly pos: SourcePosition;
}

/**
 * `key = value`, `key { ... }` or a labelled block `NodeAttestor "join_token" { ... }`
 * (keys = [NodeAttestor, join_token]).
 */
export interface HclObjectItem {
  readonly keys: readonly [HclKey, ...HclKey[]];
  readonly value: HclValue;
  /** True when written with `=` (or `:` in JSON). */
  readonly assigned: boolean;
}
