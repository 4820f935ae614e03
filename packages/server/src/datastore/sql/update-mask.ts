// The field mask of the datastore's update operations, checked the same way for every record kind.
import { invalidArgument } from '../errors.js';

/**
 * The fields an update touches: `mask`, or every field when absent. An unknown field is an
 * ERR_DATASTORE_INVALID_ARGUMENT naming it and the record kind (`what`).
 * @example const fields = updateMask(mask, NODE_FIELDS, 'attested node');
 */
export function updateMask<F extends string>(mask: Iterable<F> | undefined, all: readonly F[], what: string): Set<F> {
  const fields = new Set<F>(mask ?? all);
  for (const f of fields) if (!all.includes(f)) throw invalidArgument(`unknown ${what} field ${JSON.stringify(f)} in mask`);
  return fields;
}
