/** Test-only assertion shared by the SVID suites. */
import assert from 'node:assert/strict';
import { SpiffeError, type SpiffeErrorCode } from '../../errors.js';

/** Asserts `fn` throws a SpiffeError with `code` (and, if given, a message matching `messagePart`). */
export function assertFails(fn: () => unknown, code: SpiffeErrorCode, messagePart?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SpiffeError, `expected a SpiffeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (messagePart) assert.match(err.message, messagePart);
    return true;
  });
}
