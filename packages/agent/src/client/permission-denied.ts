/**
 * SPIRE's reasons for refusing an agent (spire.api.types.PermissionDeniedDetails.Reason): the
 * agent re-attests on EXPIRED, NOT_ATTESTED, NOT_ACTIVE and MUST_REATTEST, and stops on BANNED.
 * @example if (permissionDeniedReason(err) === PermissionDeniedReason.AGENT_BANNED) shutDown();
 */
import { types } from '@tspire/proto';

export const PermissionDeniedReason = types.PermissionDeniedDetails_Reason;
export type PermissionDeniedReason = types.PermissionDeniedDetails_Reason;
