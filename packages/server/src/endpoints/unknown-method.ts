// Unknown methods get gRPC UNIMPLEMENTED: the fallback is shared with the agent (@tspire/common).
export { unknownGrpcMethod } from '@tspire/common';
