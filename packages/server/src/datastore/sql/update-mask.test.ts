import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDatastoreError } from '../errors.js';
import { updateMask } from './update-mask.js';

const ALL = ['a', 'b', 'c'] as const;

test('updateMask: the given fields, every field without a mask, unknown fields refused by name', () => {
  assert.deepEqual([...updateMask(['b', 'b'], ALL, 'thing')], ['b']);
  assert.deepEqual([...updateMask(undefined, ALL, 'thing')], ['a', 'b', 'c']);
  assert.deepEqual([...updateMask([], ALL, 'thing')], []);
  assert.throws(
    () => updateMask(['a', 'z' as 'a'], ALL, 'attested node'),
    (err: unknown) => isDatastoreError(err, 'ERR_DATASTORE_INVALID_ARGUMENT') && err.message === 'unknown attested node field "z" in mask',
  );
});
