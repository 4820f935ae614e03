/**
 * Typed errors of the SPIFFE library. Every failure carries a literal `code` naming the rule
 * that was broken, so callers can `switch (err.code)` and docs/errors.md can list them all.
 */
import { idErrorCodes } from './id/error-codes.js';
import { bundleErrorCodes } from './bundle/error-codes.js';
import { svidErrorCodes } from './svid/error-codes.js';
import { derErrorCodes } from './der/error-codes.js';

/**
 * The codes of each area, keyed by the folder whose `error-codes.ts` defines them. Tests use it
 * to catch two areas defining one code (a spread would silently keep only the last).
 */
export const spiffeErrorCodeAreas = {
  id: idErrorCodes,
  bundle: bundleErrorCodes,
  svid: svidErrorCodes,
  der: derErrorCodes,
} as const;

/** Every code the SPIFFE library can throw, with a one-line description (kept in docs/errors.md). */
export const spiffeErrorCodes = {
  ...idErrorCodes,
  ...bundleErrorCodes,
  ...svidErrorCodes,
  ...derErrorCodes,
} as const;

export type SpiffeErrorCode = keyof typeof spiffeErrorCodes;

/**
 * The error thrown by @tspire/spiffe.
 * @example
 * try { SpiffeId.parse('spiffe://Example.org/x') } catch (err) {
 *   if (err instanceof SpiffeError && err.code === 'ERR_ID_BAD_TRUST_DOMAIN_CHAR') { ... }
 * }
 */
export class SpiffeError<C extends SpiffeErrorCode = SpiffeErrorCode> extends Error {
  override readonly name = 'SpiffeError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `err` is a SpiffeError (optionally with the given code). */
export function isSpiffeError<C extends SpiffeErrorCode>(err: unknown, code?: C): err is SpiffeError<C> {
  return err instanceof SpiffeError && (code === undefined || err.code === code);
}

/** Quotes untrusted input for an error message, bounded so a huge input cannot flood logs. */
export function quote(input: string, max = 256): string {
  const shown = input.length > max ? `${input.slice(0, max)}...(${input.length} chars)` : input;
  return JSON.stringify(shown);
}
