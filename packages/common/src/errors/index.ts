export { commonErrorCodes, type CommonErrorCode, type ErrorCodeInfo, type ErrorCodeTable } from './codes.js';
export {
  allErrorCodes,
  errorCodeInfo,
  registerErrorCodes,
  spiffeErrorCodeTable,
  type ErrorCode,
  type RegisteredErrorCode,
  type TspireErrorCodes,
} from './registry.js';
export { TspireError, isTspireError } from './tspire-error.js';
export { GENERIC_INTERNAL_MESSAGE, grpcCodeOf, toConnectError, type ToConnectErrorOptions } from './to-connect-error.js';
export { errorDocDrift, type ErrorDocDriftOptions } from './doc-drift.js';
