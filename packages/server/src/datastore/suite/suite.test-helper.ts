// The one datastore test suite, run against every backend (sqlite.test.ts, postgres.test.ts).
import { describe } from 'node:test';
import { bundlesSuite } from './bundles.test-helper.js';
import { entrySuite } from './entries.test-helper.js';
import { eventsAndTransactionsSuite } from './events-tx.test-helper.js';
import { fixtures, type BackendHarness } from './harness.test-helper.js';
import { migrationsAndConcurrencySuite } from './migrations-concurrency.test-helper.js';
import { nodesAndTokensSuite } from './nodes-tokens.test-helper.js';

export type { BackendHarness, TestDatabase } from './harness.test-helper.js';

export function defineDatastoreSuite(harness: BackendHarness): void {
  const withFixture = fixtures(harness);
  describe(`datastore suite (${harness.name})`, () => {
    entrySuite(withFixture);
    eventsAndTransactionsSuite(withFixture);
    nodesAndTokensSuite(harness, withFixture);
    bundlesSuite(withFixture);
    migrationsAndConcurrencySuite(harness, withFixture);
  });
}
