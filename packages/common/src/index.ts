/**
 * @tspire/common: what the server, agent and CLIs share: HCL/JSON config loading and typed
 * decoding, Go-style durations and flags, the error-code registry and its gRPC mapping,
 * injected time (Clock, FakeClock, backoff) and logging (Logger, pino-backed createLogger).
 */

// Errors first: importing the registry registers @tspire/common's and @tspire/spiffe's codes.
export * from './errors/index.js';

// HCL: the common entry points at top level; tokens and AST under the `hcl` namespace.
export * as hcl from './hcl/index.js';
export {
  HclError,
  formatPosition,
  hclToPlain,
  isRepeatedKey,
  loadConfigText,
  parseConfigText,
  parseHcl,
  parseHclJson,
  positionOf,
  type HclObject,
  type HclValue,
  type ParseOptions,
  type PlainObject,
  type PlainValue,
  type SourcePosition,
} from './hcl/index.js';

export * from './config/index.js';
export { formatGoDuration, formatGoDurationNs, parseGoDuration, parseGoDurationNs } from './duration.js';
export { parseGoBool, parseGoFloat, parseGoInt, type ParseResult as GoParseResult } from './go-strconv.js';
export * from './flags/index.js';
export * from './time/index.js';
export * from './log/index.js';
export * from './ratelimit/index.js';
export * from './grpc/index.js';
export * from './health/index.js';
export * from './fs/index.js';
