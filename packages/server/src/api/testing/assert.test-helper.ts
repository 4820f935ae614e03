import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';

/** Asserts the call fails with `code` and a message matching `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: Code, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, `${Code[err.code]}: ${err.rawMessage}`);
    assert.match(err.rawMessage, message);
    return true;
  });
}
