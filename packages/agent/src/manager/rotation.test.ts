import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renewAtMs } from './rotation.js';

describe('renewAtMs', () => {
  it('is half life, moved by at most 10% of the lifetime', () => {
    assert.equal(renewAtMs(1000, 101_000, () => 0.5), 51_000);
    assert.equal(renewAtMs(1000, 101_000, () => 0), 41_000);
    const latest = renewAtMs(1000, 101_000, () => 0.999999);
    assert.ok(latest < 61_000 && latest > 60_999, String(latest));
  });

  it('an SVID without lifetime is due at once', () => {
    assert.equal(renewAtMs(5000, 4000, () => 0.9), 5000);
  });
});
