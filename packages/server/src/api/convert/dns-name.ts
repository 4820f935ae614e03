// DNS name validation for entry dns_names and CSR DNS SANs: RFC 1123 labels, optional leading
// wildcard label (as SPIRE's x509util accepts), at most 253 characters in all.
import { invalidArgument } from '../errors.js';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The reason `name` is not a valid DNS name, or undefined when it is. */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'empty';
  if (name.length > 253) return 'longer than 253 characters';
  const labels = name.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '*' && i === 0 && labels.length > 1) continue;
    if (label === '') return 'empty label';
    if (label.length > 63) return `label ${JSON.stringify(label.slice(0, 16))}... longer than 63 characters`;
    if (!LABEL.test(label)) return `label ${JSON.stringify(label)} must be letters, digits and inner hyphens`;
  }
  return undefined;
}

export function checkDnsName(name: string, field = 'invalid DNS name'): string {
  const problem = dnsNameProblem(name);
  if (problem !== undefined) throw invalidArgument(`${field} ${JSON.stringify(name)}: ${problem}`);
  return name;
}
