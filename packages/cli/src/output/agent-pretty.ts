/** Pretty output of the `agent` commands: 18-character labels, one block per agent. */
import type { types } from '@tspire/proto';
import { idToString } from './entry-pretty.js';
import { formatGoTime, type TimeZoneMode } from './go-time.js';
import { pluralize } from './pluralize.js';

const LABEL_WIDTH = 18;

/** A `Label             : value` line as the agent commands print it. */
export function agentLine(label: string, value: string | boolean): string {
  return `${label.padEnd(LABEL_WIDTH)}: ${String(value)}\n`;
}

/** One agent block followed by a blank line. Expiry is printed in `zone` (SPIRE: local time). */
export function formatAgent(agent: types.Agent, zone: TimeZoneMode): string {
  let out = agentLine('SPIFFE ID', idToString(agent.id));
  out += agentLine('Attestation type', agent.attestationType);
  out += agentLine('Expiration time', formatGoTime(agent.x509svidExpiresAt, zone));
  // A banned agent has no serial number, so the ban replaces that line.
  out += agent.banned ? agentLine('Banned', true) : agentLine('Serial number', agent.x509svidSerialNumber);
  out += agentLine('Can re-attest', agent.canReattest);
  if (agent.agentVersion !== '') out += agentLine('Agent version', agent.agentVersion);
  return `${out}\n`;
}

/** `agent list`. */
export function formatAgentList(agents: readonly types.Agent[], zone: TimeZoneMode): string {
  if (agents.length === 0) return 'No attested agents found\n';
  const header = pluralize(`Found ${agents.length} attested `, 'agent', 'agents', agents.length);
  return `${header}:\n\n${agents.map((a) => formatAgent(a, zone)).join('')}`;
}

/** `agent show`: header, block, then the agent's selectors. */
export function formatAgentShow(agent: types.Agent, zone: TimeZoneMode): string {
  const selectors = agent.selectors.map((s) => agentLine('Selectors', `${s.type}:${s.value}`)).join('');
  return `Found an attested agent given its SPIFFE ID\n\n${formatAgent(agent, zone)}${selectors}`;
}

/** `agent count` (and the count line of other counters). */
export function formatCount(count: number, prefix: string, singular: string, plural: string): string {
  return `${pluralize(`${count} ${prefix}`, singular, plural, count)}\n`;
}
