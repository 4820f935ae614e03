/**
 * The entry block SPIRE prints for entry create/update/show: one `Label : value` line per
 * item, labels padded to 24 characters, optional lines only when set, a blank line after.
 */
import type { types } from '@tspire/proto';
import { formatGoTime } from './go-time.js';
import { pluralize } from './pluralize.js';

const LABEL_WIDTH = 24;

function line(label: string, value: string | number | bigint | boolean): string {
  return `${label.padEnd(LABEL_WIDTH)}: ${String(value)}\n`;
}

/** `spiffe://td/path`, or '' for a missing ID (as SPIRE's protoToIDString). */
export function idToString(id: types.SPIFFEID | undefined): string {
  return id === undefined ? '' : `spiffe://${id.trustDomain}${id.path}`;
}

/** One entry block, ending with the blank line. */
export function formatEntry(entry: types.Entry): string {
  let out = line('Entry ID', entry.id === '' ? '(none)' : entry.id);
  out += line('SPIFFE ID', idToString(entry.spiffeId));
  out += line('Parent ID', idToString(entry.parentId));
  out += line('Revision', entry.revisionNumber);
  if (entry.downstream) out += line('Downstream', true);
  out += line('X509-SVID TTL', entry.x509SvidTtl === 0 ? 'default' : entry.x509SvidTtl);
  out += line('JWT-SVID TTL', entry.jwtSvidTtl === 0 ? 'default' : entry.jwtSvidTtl);
  if (entry.expiresAt !== 0n) out += line('Expiration time', formatGoTime(entry.expiresAt, 'UTC'));
  for (const s of entry.selectors) out += line('Selector', `${s.type}:${s.value}`);
  for (const td of entry.federatesWith) out += line('FederatesWith', td);
  for (const dns of entry.dnsNames) out += line('DNS name', dns);
  if (entry.admin) out += line('Admin', true);
  if (entry.storeSvid) out += line('StoreSvid', true);
  if (entry.hint !== '') out += line('Hint', entry.hint);
  if (entry.additionalAttributes?.disableX509SvidPrefetch === true) out += line('DisableX509SvidPrefetch', true);
  if (entry.additionalAttributes?.jwtSvidIncludeJti === true) out += line('JwtSvidIncludeJti', true);
  return `${out}\n`;
}

/** `entry show`: `Found N entries` then the blocks. */
export function formatEntryList(entries: readonly types.Entry[]): string {
  const header = pluralize(`Found ${entries.length} `, 'entry', 'entries', entries.length);
  return `${header}\n${entries.map(formatEntry).join('')}`;
}
