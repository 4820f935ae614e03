// Unknown methods get gRPC UNIMPLEMENTED: the fallback is shared with the server (@tspire/common).
export { unknownGrpcMethod } from '@tspire/common';
