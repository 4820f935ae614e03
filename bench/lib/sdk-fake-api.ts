/**
 * The fake Workload API of @tspire/workload's tests (a test helper, not exported by the package),
 * loaded from the package's compiled output: types from the .d.ts, the module at run time by URL
 * (the import path differs between bench/lib and bench/dist/lib).
 */
import type * as FakeModule from '../../packages/workload/dist/client/fake-workload-api.test-helper.js';

export type { FakeWorkloadApi, FakeTrustDomain } from '../../packages/workload/dist/client/fake-workload-api.test-helper.js';

/** The fake's module: FakeWorkloadApi, fakeTrustDomain, x509SvidMessage, ... */
export async function loadFakeWorkloadApi(): Promise<typeof FakeModule> {
  const url = new URL('../../../packages/workload/dist/client/fake-workload-api.test-helper.js', import.meta.url);
  return (await import(url.href)) as typeof FakeModule;
}
