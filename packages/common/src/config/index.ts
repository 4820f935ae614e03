export { ConfigError, UnknownKeysError, type UnknownKey } from './config-error.js';
export { decodeConfig, describeValue, throwOnUnknownKeys, type DecodeOptions, type DecodeResult } from './decode.js';
export { expandEnv, type Env } from './expand-env.js';
export {
  block,
  blockList,
  labelledBlocks,
  mapOf,
  type BlockListSpec,
  type BlockSpec,
  type Decoded,
  type DecodedField,
  type FieldSpec,
  type LabelledBlock,
  type LabelledBlocksSpec,
  type MapSpec,
  type ScalarKind,
  type Schema,
} from './schema.js';
export * from './daemon/index.js';
