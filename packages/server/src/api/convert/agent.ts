// Attested nodes <-> types.Agent, agent masks and filters.
import { create } from '@bufbuild/protobuf';
import { agentv1, types } from '@tspire/proto';
import type { AttestedNode, NodeFilter } from '../../datastore/types.js';
import { invalidArgument } from '../errors.js';
import { selectorMatchFromProto, selectorToProto } from './selector.js';
import { idToProto } from './spiffe-id.js';

export function agentToProto(node: AttestedNode, mask?: types.AgentMask): types.Agent {
  const all = mask === undefined;
  const out = create(types.AgentSchema, { id: idToProto(node.spiffeId) });
  if (all || mask.attestationType) out.attestationType = node.attestationType;
  if (all || mask.x509svidSerialNumber) out.x509svidSerialNumber = node.certSerialNumber;
  if (all || mask.x509svidExpiresAt) out.x509svidExpiresAt = BigInt(node.certNotAfter);
  if (all || mask.selectors) out.selectors = (node.selectors ?? []).map(selectorToProto);
  if (all || mask.banned) out.banned = node.certSerialNumber === '';
  if (all || mask.canReattest) out.canReattest = node.canReattest;
  if (all || mask.agentVersion) out.agentVersion = node.agentVersion;
  return out;
}

/** Whether an output mask asks for selectors (they cost an extra query). */
export const wantsSelectors = (mask: types.AgentMask | undefined): boolean => mask === undefined || mask.selectors;

/** Go layout "2006-01-02 15:04:05 -0700 -07", the format SPIRE's CLI sends. */
const EXPIRES_BEFORE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) ([+-]\d{2}|[A-Z]{3,5})$/;

/** Parses by_expires_before to unix seconds. */
export function parseExpiresBefore(text: string): number {
  const m = EXPIRES_BEFORE.exec(text);
  const fail = () => invalidArgument(
    `malformed by_expires_before filter: ${JSON.stringify(text)} does not match the format "2006-01-02 15:04:05 -0700 -07"`,
  );
  if (m === null) throw fail();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const sign = m[7] === '-' ? -1 : 1;
  const offsetMinutes = sign * (Number(m[8]) * 60 + Number(m[9]));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) throw fail();
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(utc).getUTCDate() !== day) throw fail();
  return Math.floor(utc / 1000) - offsetMinutes * 60;
}

type ProtoAgentFilter = agentv1.CountAgentsRequest_Filter | agentv1.ListAgentsRequest_Filter;

export function agentFilterFromProto(f: ProtoAgentFilter | undefined): NodeFilter {
  const filter: NodeFilter = {};
  if (f === undefined) return filter;
  if (f.byAttestationType !== '') filter.byAttestationType = f.byAttestationType;
  if (f.bySelectorMatch !== undefined) filter.bySelectorMatch = selectorMatchFromProto(f.bySelectorMatch);
  if (f.byBanned !== undefined) filter.byBanned = f.byBanned;
  if (f.byCanReattest !== undefined) filter.byCanReattest = f.byCanReattest;
  if (f.byExpiresBefore !== '') filter.byExpiresBefore = parseExpiresBefore(f.byExpiresBefore);
  return filter;
}
