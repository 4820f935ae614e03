import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { SpiffeError, spiffeErrorCodes } from '@tspire/spiffe';
import { createCapturingLogger } from '../log/capturing-logger.js';
import { commonErrorCodes } from './codes.js';
import { allErrorCodes, errorCodeInfo, registerErrorCodes, spiffeErrorCodeTable } from './registry.js';
import { GENERIC_INTERNAL_MESSAGE, grpcCodeOf, toConnectError } from './to-connect-error.js';
import { TspireError, isTspireError } from './tspire-error.js';

test('the registry holds common codes and every SpiffeError code as InvalidArgument', () => {
  assert.equal(errorCodeInfo('ERR_ENTRY_NOT_FOUND')?.grpc, Code.NotFound);
  assert.equal(errorCodeInfo('ERR_ENTRY_NOT_FOUND')?.owner, '@tspire/common');
  assert.equal(errorCodeInfo('ERR_DATASTORE_UNAVAILABLE')?.grpc, Code.Unavailable);
  assert.deepEqual(allErrorCodes('@tspire/common').map((c) => c.code), Object.keys(commonErrorCodes));
  const spiffe = allErrorCodes('@tspire/spiffe');
  assert.deepEqual(spiffe.map((c) => c.code).sort(), Object.keys(spiffeErrorCodes).sort());
  assert.ok(spiffe.every((c) => c.grpc === Code.InvalidArgument));
  assert.equal(errorCodeInfo('ERR_NO_SUCH_CODE'), undefined);
  assert.ok(Object.values(commonErrorCodes).every((c) => c.description.length > 0));
});

test('other packages can register codes; conflicts are refused', () => {
  const table = registerErrorCodes('@tspire/test-pkg', { ERR_TEST_ONLY_CODE: { grpc: Code.Aborted, description: 'test' } });
  assert.equal(table.ERR_TEST_ONLY_CODE.grpc, Code.Aborted);
  assert.doesNotThrow(() => registerErrorCodes('@tspire/test-pkg', table), 'idempotent');
  assert.equal(allErrorCodes('@tspire/test-pkg').length, 1);
  assert.throws(() => registerErrorCodes('@tspire/other', { ERR_TEST_ONLY_CODE: { grpc: Code.Aborted, description: 'x' } }), /already registered by @tspire\/test-pkg/);
  assert.throws(() => registerErrorCodes('@tspire/other', { ERR_NOT_FOUND: { grpc: Code.Internal, description: 'x' } }), /already registered/);
  assert.deepEqual(spiffeErrorCodeTable({ ERR_X: 'd' }), { ERR_X: { grpc: Code.InvalidArgument, description: 'd' } });
});

test('TspireError carries a literal code that narrows', () => {
  const err: unknown = new TspireError('ERR_ALREADY_EXISTS', 'similar entry already exists');
  assert.ok(isTspireError(err));
  assert.ok(isTspireError(err, 'ERR_ALREADY_EXISTS'));
  assert.equal(isTspireError(err, 'ERR_NOT_FOUND'), false);
  assert.equal(isTspireError(new Error('x')), false);
  if (isTspireError(err)) {
    switch (err.code) {
      case 'ERR_ALREADY_EXISTS':
        assert.equal(err.name, 'TspireError');
        break;
      default:
        assert.fail('narrowing');
    }
  }
});

test('toConnectError: registered codes map to their gRPC status and message', () => {
  const invalid = toConnectError(new TspireError('ERR_INVALID_ARGUMENT', 'failed to convert entry', {
    cause: new SpiffeError('ERR_ID_BAD_SCHEME', 'scheme is missing or invalid'),
  }));
  assert.equal(invalid.code, Code.InvalidArgument);
  assert.equal(invalid.rawMessage, 'failed to convert entry: scheme is missing or invalid');
  const unavailable = toConnectError(new TspireError('ERR_DATASTORE_UNAVAILABLE', 'datastore unavailable', {
    cause: new TspireError('ERR_INTERNAL', 'connection refused'),
  }));
  assert.equal(unavailable.code, Code.Unavailable);
  assert.equal(unavailable.rawMessage, 'datastore unavailable: connection refused');
  assert.equal(toConnectError(new TspireError('ERR_UNIMPLEMENTED', 'not implemented')).code, Code.Unimplemented);
  const spiffe = toConnectError(new SpiffeError('ERR_ID_EMPTY', 'cannot be empty'));
  assert.equal(spiffe.code, Code.InvalidArgument);
  assert.equal(spiffe.rawMessage, 'cannot be empty');
  const passthrough = new ConnectError('already mapped', Code.Aborted);
  assert.equal(toConnectError(passthrough), passthrough);
});

test('toConnectError: NotFound and PermissionDenied reveal nothing beyond their message', () => {
  const logger = createCapturingLogger();
  const cause = new TspireError('ERR_INTERNAL', 'entry 1234 owned by spiffe://example.org/secret-agent');
  for (const code of ['ERR_ENTRY_NOT_FOUND', 'ERR_PERMISSION_DENIED', 'ERR_UNAUTHENTICATED'] as const) {
    const err = toConnectError(new TspireError(code, 'denied'), { logger });
    const withCause = toConnectError(new TspireError(code, 'denied', { cause }), { logger });
    assert.equal(err.rawMessage, 'denied');
    assert.equal(withCause.rawMessage, 'denied');
  }
});

test('toConnectError: untyped failures become Internal with a generic message, logged not sent', () => {
  const logger = createCapturingLogger();
  const raw = toConnectError(new Error('SQLITE_CORRUPT: /var/lib/spire/datastore.sqlite3'), { logger });
  assert.equal(raw.code, Code.Internal);
  assert.equal(raw.rawMessage, GENERIC_INTERNAL_MESSAGE);
  assert.equal(logger.entries.length, 1);
  assert.equal(logger.entries[0]?.level, 'error');
  assert.match(String(logger.entries[0]?.fields['error']), /SQLITE_CORRUPT/);
  assert.equal(toConnectError('a string', { logger }).rawMessage, GENERIC_INTERNAL_MESSAGE);
  // A typed error with an untyped cause keeps its own message; the cause only goes to the log.
  logger.clear();
  const wrapped = toConnectError(new TspireError('ERR_INTERNAL', 'failed to fetch entries', { cause: new Error('password=hunter2 in DSN') }), { logger });
  assert.equal(wrapped.rawMessage, 'failed to fetch entries');
  assert.equal(logger.entries.length, 1);
  // A code nobody registered is treated as unexpected.
  const unregistered = new TspireError('ERR_INTERNAL', 'x');
  Object.defineProperty(unregistered, 'code', { value: 'ERR_NOBODY_REGISTERED_THIS' });
  assert.equal(toConnectError(unregistered).rawMessage, GENERIC_INTERNAL_MESSAGE);
});

test('toConnectError: Internal keeps typed causes to the log; a boundary may treat codes as unexpected', () => {
  const logger = createCapturingLogger();
  const cause = new TspireError('ERR_UNAVAILABLE', 'upstream at 10.0.0.7 is down');
  const internal = toConnectError(new TspireError('ERR_INTERNAL', 'failed to sign', { cause }), { logger });
  assert.deepEqual([internal.code, internal.rawMessage], [Code.Internal, 'failed to sign']);
  assert.match(String(logger.entries[0]?.fields['error']), /10\.0\.0\.7/);
  const unexpectedCodes = new Set(['ERR_DATASTORE_NOT_A_DATABASE'] as const);
  const bare = toConnectError(new TspireError('ERR_DATASTORE_NOT_A_DATABASE', '/secret/path'), { logger, unexpectedCodes });
  assert.deepEqual([bare.code, bare.rawMessage], [Code.Internal, GENERIC_INTERNAL_MESSAGE]);
  assert.equal(toConnectError(new TspireError('ERR_DATASTORE_NOT_A_DATABASE', 'x')).code, Code.FailedPrecondition);
  const wrapped = toConnectError(new TspireError('ERR_INVALID_ARGUMENT', 'bad', { cause: new TspireError('ERR_DATASTORE_NOT_A_DATABASE', '/secret/path') }), { logger, unexpectedCodes });
  assert.equal(wrapped.rawMessage, 'bad');
  assert.equal(grpcCodeOf(new TspireError('ERR_DATASTORE_NOT_A_DATABASE', 'x'), { unexpectedCodes }), undefined);
  assert.equal(grpcCodeOf(new TspireError('ERR_DATASTORE_NOT_A_DATABASE', 'x')), Code.FailedPrecondition);
  assert.equal(grpcCodeOf(new SpiffeError('ERR_ID_EMPTY', 'x')), Code.InvalidArgument);
  assert.equal(grpcCodeOf(new ConnectError('x', Code.Aborted)), Code.Aborted);
  assert.equal(grpcCodeOf(new Error('x')), undefined);
});
