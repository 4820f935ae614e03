// Trust domain spellings: bundles are keyed by ID (`spiffe://example.org`, as SPIRE stores
// them); entries' federatesWith and federation relationships use names (`example.org`).
// Inputs may use either form.
import { invalidArgument } from '../errors.js';

const PREFIX = 'spiffe://';

export function trustDomainName(input: string): string {
  if (typeof input !== 'string') throw invalidArgument('trust domain must be a string');
  let name = input.startsWith(PREFIX) ? input.slice(PREFIX.length) : input;
  if (name.endsWith('/')) name = name.slice(0, -1);
  if (name === '' || name.includes('/')) throw invalidArgument(`invalid trust domain ${JSON.stringify(input)}`);
  return name;
}

export function trustDomainId(input: string): string {
  return PREFIX + trustDomainName(input);
}

export function uniqueTrustDomainNames(inputs: readonly string[]): string[] {
  return [...new Set(inputs.map(trustDomainName))];
}
