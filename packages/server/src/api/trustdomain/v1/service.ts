// spire.api.server.trustdomain.v1.TrustDomain: federation relationships are managed by the
// federation subsystem (a later issue); until then every RPC answers UNIMPLEMENTED.
import type { ServiceImpl } from '@connectrpc/connect';
import type { trustdomainv1 } from '@tspire/proto';
import { unimplemented } from '../../errors.js';

export function createTrustDomainService(): ServiceImpl<typeof trustdomainv1.TrustDomain> {
  return {
    listFederationRelationships() { throw unimplemented('ListFederationRelationships'); },
    getFederationRelationship() { throw unimplemented('GetFederationRelationship'); },
    batchCreateFederationRelationship() { throw unimplemented('BatchCreateFederationRelationship'); },
    batchUpdateFederationRelationship() { throw unimplemented('BatchUpdateFederationRelationship'); },
    batchDeleteFederationRelationship() { throw unimplemented('BatchDeleteFederationRelationship'); },
    refreshBundle() { throw unimplemented('RefreshBundle'); },
  };
}
