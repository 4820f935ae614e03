// spire.api.server.bundle.v1.Bundle: the server's own bundle and federated bundles.
import type { ServiceImpl } from '@connectrpc/connect';
import { bundlev1, type types } from '@tspire/proto';
import type { TrustDomain } from '@tspire/spiffe';
import { isDatastoreError } from '../../../datastore/errors.js';
import type { Bundle, BundleDeleteMode } from '../../../datastore/types.js';
import {
  bundleFieldsFromMask, bundleFromProto, bundleToProto, isOwnTrustDomain, jwtAuthorityFromProto, x509AuthorityFromProto,
} from '../../convert/bundle.js';
import { trustDomainFromString } from '../../convert/spiffe-id.js';
import { resolveDeps, type ApiDeps } from '../../deps.js';
import { ApiError, invalidArgument, notFound, okStatus, statusOf, unimplemented, withContext } from '../../errors.js';

const DELETE_MODES: Record<number, BundleDeleteMode> = {
  [bundlev1.BatchDeleteFederatedBundleRequest_Mode.RESTRICT]: 'restrict',
  [bundlev1.BatchDeleteFederatedBundleRequest_Mode.DELETE]: 'delete',
  [bundlev1.BatchDeleteFederatedBundleRequest_Mode.DISSOCIATE]: 'dissociate',
};

export function createBundleService(apiDeps: ApiDeps): ServiceImpl<typeof bundlev1.Bundle> {
  const { datastore: ds, trustDomain: td, logger } = resolveDeps(apiDeps);

  /** Converts a federated bundle, refusing the server's own trust domain with `ownMessage`. */
  function federated(b: types.Bundle, ownMessage: string): Bundle {
    let bundle: Bundle;
    try {
      bundle = bundleFromProto(b);
    } catch (err) {
      throw invalidArgument('failed to convert bundle', err);
    }
    if (isOwnTrustDomain(bundle.trustDomain, td)) throw invalidArgument(ownMessage);
    return bundle;
  }

  async function batch<T>(items: readonly T[], one: (item: T) => Promise<Bundle>, mask: types.BundleMask | undefined) {
    const results = [];
    for (const item of items) {
      try {
        results.push({ status: okStatus(), bundle: bundleToProto(await one(item), mask) });
      } catch (err) {
        results.push({ status: statusOf(err, logger) });
      }
    }
    return { results };
  }

  return {
    async countBundles() {
      return { count: await ds.countBundles() };
    },

    async getBundle(req) {
      const bundle = await ds.fetchBundle(td.idString());
      if (bundle === null) throw notFound('bundle not found');
      return bundleToProto(bundle, req.outputMask);
    },

    async appendBundle(req) {
      if (req.witAuthorities.length > 0) throw invalidArgument('WIT authorities are not supported');
      if (req.x509Authorities.length === 0 && req.jwtAuthorities.length === 0) throw invalidArgument('no authorities to append');
      let extra: Bundle;
      try {
        extra = {
          trustDomain: td.idString(),
          x509Authorities: req.x509Authorities.map(x509AuthorityFromProto),
          jwtAuthorities: req.jwtAuthorities.map(jwtAuthorityFromProto),
          refreshHint: 0,
          sequenceNumber: 0n,
        };
      } catch (err) {
        throw invalidArgument('failed to convert authorities', err);
      }
      const bundle = await ds.appendBundle(extra).catch((err: unknown) => { throw withContext('failed to append bundle', err); });
      return bundleToProto(bundle, req.outputMask);
    },

    async listFederatedBundles(req) {
      if (req.pageSize < 0) throw invalidArgument(`page_size cannot be negative, got ${req.pageSize}`);
      const page = await ds.listBundles({ pageSize: req.pageSize, pageToken: req.pageToken })
        .catch((err: unknown) => { throw withContext('failed to list bundles', err); });
      return {
        bundles: page.bundles.filter((b) => !isOwnTrustDomain(b.trustDomain, td)).map((b) => bundleToProto(b, req.outputMask)),
        nextPageToken: page.nextPageToken,
      };
    },

    async getFederatedBundle(req) {
      const other = parseTrustDomain(req.trustDomain);
      if (other.equals(td)) throw invalidArgument("getting a federated bundle for the server's own trust domain is not allowed");
      const bundle = await ds.fetchBundle(other.idString());
      if (bundle === null) throw notFound('bundle not found');
      return bundleToProto(bundle, req.outputMask);
    },

    async batchCreateFederatedBundle(req) {
      return batch(req.bundle, async (b) => {
        const bundle = federated(b, "creating a federated bundle for the server's own trust domain is not allowed");
        return ds.createBundle(bundle).catch((err: unknown) => {
          if (isDatastoreError(err, 'ERR_DATASTORE_ALREADY_EXISTS')) throw new ApiError('ERR_API_ALREADY_EXISTS', 'bundle already exists');
          throw withContext('failed to create bundle', err);
        });
      }, req.outputMask);
    },

    async batchUpdateFederatedBundle(req) {
      const fields = bundleFieldsFromMask(req.inputMask);
      return batch(req.bundle, async (b) => {
        const bundle = federated(b, "updating a federated bundle for the server's own trust domain is not allowed");
        return ds.updateBundle(bundle, fields).catch((err: unknown) => { throw dsError('failed to update bundle', err); });
      }, req.outputMask);
    },

    async batchSetFederatedBundle(req) {
      return batch(req.bundle, async (b) => {
        const bundle = federated(b, "setting a federated bundle for the server's own trust domain is not allowed");
        return ds.setBundle(bundle).catch((err: unknown) => { throw withContext('failed to set bundle', err); });
      }, req.outputMask);
    },

    async batchDeleteFederatedBundle(req) {
      const mode = DELETE_MODES[req.mode];
      if (mode === undefined) throw invalidArgument(`unknown delete mode ${req.mode}`);
      const results = [];
      for (const name of req.trustDomains) {
        try {
          const other = parseTrustDomain(name, 'malformed trust domain');
          if (other.equals(td)) throw invalidArgument('removing the bundle for the server trust domain is not allowed');
          await ds.deleteBundle(other.idString(), mode)
            .catch((err: unknown) => { throw dsError('failed to delete federated bundle', err); });
          results.push({ status: okStatus(), trustDomain: other.name });
        } catch (err) {
          results.push({ status: statusOf(err, logger), trustDomain: name });
        }
      }
      return { results };
    },

    publishJWTAuthority() {
      throw unimplemented('PublishJWTAuthority');
    },

    publishWITAuthority() {
      throw unimplemented('PublishWITAuthority');
    },
  };
}

/** NotFound says only "bundle not found"; other datastore failures keep their reason. */
function dsError(message: string, err: unknown): Error {
  if (isDatastoreError(err, 'ERR_DATASTORE_NOT_FOUND')) return notFound('bundle not found');
  return withContext(message, err);
}

function parseTrustDomain(text: string, field = 'trust domain argument is not valid'): TrustDomain {
  return trustDomainFromString(text, field);
}
