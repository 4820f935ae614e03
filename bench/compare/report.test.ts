import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { peerFromStatus } from './peers.js';
import { formatValue, markdownTable, rate } from './report.js';

describe('rate', () => {
  test('throughput: tspire ahead when its value is higher', () => {
    const row = rate({ id: 'a', label: 'A', unit: 'x/s', better: 'higher', spire: 2000, tspire: 3000 });
    assert.equal(row.ratio, 1.5);
    assert.equal(row.tspireAhead, true);
  });

  test('latency: tspire behind when its value is higher', () => {
    const row = rate({ id: 'b', label: 'B', unit: 'ms', better: 'lower', spire: 4, tspire: 6 });
    assert.equal(row.ratio, 1.5);
    assert.equal(row.tspireAhead, false);
  });

  test('equal values are not ahead', () => {
    assert.equal(rate({ id: 'c', label: 'C', unit: 'ms', better: 'lower', spire: 5, tspire: 5 }).tspireAhead, false);
  });

  test('rejects a zero or missing SPIRE value', () => {
    assert.throws(() => rate({ id: 'd', label: 'D', unit: 'ms', better: 'lower', spire: 0, tspire: 5 }), /row d: SPIRE's value must be positive/);
    assert.throws(() => rate({ id: 'e', label: 'E', unit: 'ms', better: 'lower', spire: Number.NaN, tspire: 5 }), /row e: values must be finite/);
  });
});

describe('markdownTable', () => {
  test('one line per row with the ratio and the side ahead', () => {
    const table = markdownTable([
      rate({ id: 'a', label: 'Signing', unit: 'SVIDs/s', better: 'higher', spire: 1234.4, tspire: 617.2 }),
      rate({ id: 'b', label: 'RSS', unit: 'MiB', better: 'lower', spire: 40.25, tspire: 8.5 }),
    ]);
    const lines = table.split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[2], '| Signing (SVIDs/s; higher is better) | 1,234 | 617 | 0.50 | SPIRE |');
    assert.equal(lines[3], '| RSS (MiB; lower is better) | 40.3 | 8.50 | 0.21 | tspire |');
  });

  test('formatValue keeps two decimals below 10', () => {
    assert.equal(formatValue(1.234), '1.23');
  });
});

describe('peerFromStatus', () => {
  const exists = (p: string) => p === '/bin/spire-server';
  test('a usable peer gives its path', () => {
    assert.deepEqual(peerFromStatus({ 'spire-server': { ok: true, path: '/bin/spire-server' } }, 'spire-server', exists), { path: '/bin/spire-server' });
  });
  test('an unavailable peer carries the installer reason', () => {
    const got = peerFromStatus({ 'spire-server': { ok: false, reason: 'no C compiler' } }, 'spire-server', exists);
    assert.deepEqual(got, { missing: 'spire-server is unavailable: no C compiler' });
  });
  test('a recorded path that is gone is reported', () => {
    const got = peerFromStatus({ 'spire-agent': { ok: true, path: '/bin/spire-agent' } }, 'spire-agent', exists);
    assert.ok('missing' in got && got.missing.includes('/bin/spire-agent does not exist'));
  });
  test('a peer missing from status.json is reported', () => {
    const got = peerFromStatus({}, 'spire-agent', exists);
    assert.ok('missing' in got && got.missing.startsWith('spire-agent is not in'));
  });
});
