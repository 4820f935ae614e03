import { test } from 'node:test';
import assert from 'node:assert/strict';
import { der } from '../index.js';

test('the package exports the DER reader and writer as the namespace `der`', () => {
  const encoded = der.encodeSequence(der.encodeOid('2.5.29.19'), der.encodeBoolean(true), der.encodeInteger(3n));
  const children = der.readChildren(der.readSingle(encoded, der.Tag.SEQUENCE, 'test'));
  assert.equal(der.readOid(children[0]!), '2.5.29.19');
  assert.equal(der.readBoolean(children[1]!), true);
  assert.equal(der.readInteger(children[2]!), 3n);
  assert.deepEqual(der.splitConcatenatedDer(Buffer.concat([encoded, encoded])).length, 2);
  assert.equal(der.derErrorCodes.ERR_DER_MALFORMED.length > 0, true);
});
