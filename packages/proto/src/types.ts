// All `spire.api.types` messages in one module, re-exported by index.ts as the `types` namespace.
// The .proto files split types one concept per file; callers should not need to know which file.
export * from './gen/spire/api/types/agent_pb.js';
export * from './gen/spire/api/types/attestation_pb.js';
export * from './gen/spire/api/types/bundle_pb.js';
export * from './gen/spire/api/types/entry_pb.js';
export * from './gen/spire/api/types/federateswith_pb.js';
export * from './gen/spire/api/types/federationrelationship_pb.js';
export * from './gen/spire/api/types/jointoken_pb.js';
export * from './gen/spire/api/types/jwtsvid_pb.js';
export * from './gen/spire/api/types/logger_pb.js';
export * from './gen/spire/api/types/selector_pb.js';
export * from './gen/spire/api/types/spiffeid_pb.js';
export * from './gen/spire/api/types/status_pb.js';
export * from './gen/spire/api/types/witsvid_pb.js';
export * from './gen/spire/api/types/x509svid_pb.js';
