// @tspire/proto: generated protobuf-es v2 code for the SPIFFE Workload API, the SPIRE server and
// agent APIs and gRPC health. Each proto package is one namespace, so equal names in different
// packages (`X509SVID`, `GetInfoResponse`, `Logger`, ...) never clash.
//
// Messages are built and (de)serialised with @bufbuild/protobuf; services are GenService
// descriptors for @connectrpc/connect 2:
//
//   import { create, toBinary } from '@bufbuild/protobuf';
//   import { createClient } from '@connectrpc/connect';
//   import { types, entryv1 } from '@tspire/proto';
//
//   const id = create(types.SPIFFEIDSchema, { trustDomain: 'example.org', path: '/web' });
//   const bytes = toBinary(types.SPIFFEIDSchema, id);
//   const entries = createClient(entryv1.Entry, transport);
//   const { count } = await entries.countEntries({});
//
// Namespaces and their proto packages:
//   workload            (no package) SpiffeWorkloadAPI
//   types               spire.api.types (all type files merged, see types.ts)
//   agentv1             spire.api.server.agent.v1           bundlev1  spire.api.server.bundle.v1
//   entryv1             spire.api.server.entry.v1           svidv1    spire.api.server.svid.v1
//   trustdomainv1       spire.api.server.trustdomain.v1     debugv1   spire.api.server.debug.v1
//   localauthorityv1    spire.api.server.localauthority.v1  loggerv1  spire.api.server.logger.v1
//   agentloggerv1       spire.api.agent.logger.v1           agentdebugv1  spire.agent.debug.v1
//   delegatedidentityv1 spire.api.agent.delegatedidentity.v1
//   healthv1            grpc.health.v1
export * as workload from './gen/workload/workload_pb.js';
export * as types from './types.js';
export * as agentv1 from './gen/spire/api/server/agent/v1/agent_pb.js';
export * as bundlev1 from './gen/spire/api/server/bundle/v1/bundle_pb.js';
export * as entryv1 from './gen/spire/api/server/entry/v1/entry_pb.js';
export * as svidv1 from './gen/spire/api/server/svid/v1/svid_pb.js';
export * as trustdomainv1 from './gen/spire/api/server/trustdomain/v1/trustdomain_pb.js';
export * as localauthorityv1 from './gen/spire/api/server/localauthority/v1/localauthority_pb.js';
export * as debugv1 from './gen/spire/api/server/debug/v1/debug_pb.js';
export * as loggerv1 from './gen/spire/api/server/logger/v1/logger_pb.js';
export * as agentloggerv1 from './gen/spire/api/agent/logger/v1/logger_pb.js';
export * as agentdebugv1 from './gen/spire/agent/debug/v1/debug_pb.js';
export * as delegatedidentityv1 from './gen/spire/api/agent/delegatedidentity/v1/delegatedidentity_pb.js';
export * as healthv1 from './gen/grpc/health/v1/health_pb.js';
