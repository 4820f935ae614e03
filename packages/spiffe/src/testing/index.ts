/**
 * `@tspire/spiffe/testing`: builders for tests ONLY. Never import this from library or runtime
 * code: it imports @peculiar/x509, a devDependency that production installs do not have.
 * @example
 * import { createCa, createLeaf, FIXTURE_NOW } from '@tspire/spiffe/testing';
 * const ca = await createCa();
 * const leaf = await createLeaf(ca, { uris: ['spiffe://example.org/api'] });
 */
export * from '../svid/testing/x509-fixtures.js';
export * from '../svid/jwt-test-helpers.js';
