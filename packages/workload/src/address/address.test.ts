import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isWorkloadError, type WorkloadErrorCode } from '../errors.js';
import { formatWorkloadAddress, parseWorkloadAddress, resolveWorkloadAddress, type WorkloadAddress } from './address.js';

const accepted: [string, WorkloadAddress][] = [
  ['unix:///tmp/a.sock', { network: 'unix', path: '/tmp/a.sock' }],
  ['unix:/tmp/a.sock', { network: 'unix', path: '/tmp/a.sock' }],
  ['UNIX:///run/spire/api.sock', { network: 'unix', path: '/run/spire/api.sock' }],
  ['unix:///tmp/a%20b.sock', { network: 'unix', path: '/tmp/a b.sock' }],
  ['tcp://1.2.3.4:5', { network: 'tcp', host: '1.2.3.4', port: 5 }],
  ['tcp://127.0.0.1:8000', { network: 'tcp', host: '127.0.0.1', port: 8000 }],
  ['tcp://[::1]:5', { network: 'tcp', host: '::1', port: 5 }],
  ['tcp://[fe80::1]:65535', { network: 'tcp', host: 'fe80::1', port: 65535 }],
];

const rejected: [string, WorkloadErrorCode, RegExp][] = [
  ['unix:tmp/a.sock', 'ERR_WORKLOAD_ADDRESS_OPAQUE', /unix socket URI must not be opaque/],
  ['unix://host/path', 'ERR_WORKLOAD_ADDRESS_AUTHORITY', /must not include an authority/],
  ['unix://foo', 'ERR_WORKLOAD_ADDRESS_AUTHORITY', /authority/],
  ['unix://', 'ERR_WORKLOAD_ADDRESS_PATH', /must include a path/],
  ['unix:', 'ERR_WORKLOAD_ADDRESS_PATH', /must include a path/],
  ['unix:///', 'ERR_WORKLOAD_ADDRESS_PATH', /must include a path/],
  ['unix:///a?x', 'ERR_WORKLOAD_ADDRESS_QUERY', /must not include query values/],
  ['unix:///a#f', 'ERR_WORKLOAD_ADDRESS_FRAGMENT', /must not include a fragment/],
  ['unix://u:p@h/p', 'ERR_WORKLOAD_ADDRESS_USER_INFO', /must not include user info/],
  ['unix:///a%zz', 'ERR_WORKLOAD_ADDRESS_SYNTAX', /percent-escape/],
  ['unix:///a%00b', 'ERR_WORKLOAD_ADDRESS_PATH', /NUL/],
  ['tcp://localhost:5', 'ERR_WORKLOAD_ADDRESS_HOST', /host component must be an IP:port/],
  ['tcp://example.org:5', 'ERR_WORKLOAD_ADDRESS_HOST', /IP:port/],
  ['tcp://::1:5', 'ERR_WORKLOAD_ADDRESS_HOST', /IP:port/],
  ['tcp://[1.2.3.4]:5', 'ERR_WORKLOAD_ADDRESS_HOST', /IP:port/],
  ['tcp://1.2.3.4', 'ERR_WORKLOAD_ADDRESS_PORT', /must include a port/],
  ['tcp://1.2.3.4:', 'ERR_WORKLOAD_ADDRESS_PORT', /must include a port/],
  ['tcp://1.2.3.4:0', 'ERR_WORKLOAD_ADDRESS_PORT', /1 to 65535/],
  ['tcp://1.2.3.4:65536', 'ERR_WORKLOAD_ADDRESS_PORT', /1 to 65535/],
  ['tcp://1.2.3.4:http', 'ERR_WORKLOAD_ADDRESS_PORT', /1 to 65535/],
  ['tcp://1.2.3.4:5/p', 'ERR_WORKLOAD_ADDRESS_PATH', /must not include a path/],
  ['tcp://1.2.3.4:5/', 'ERR_WORKLOAD_ADDRESS_PATH', /must not include a path/],
  ['tcp://1.2.3.4:5?q', 'ERR_WORKLOAD_ADDRESS_QUERY', /query/],
  ['tcp://1.2.3.4:5#f', 'ERR_WORKLOAD_ADDRESS_FRAGMENT', /fragment/],
  ['tcp://u:p@1.2.3.4:5', 'ERR_WORKLOAD_ADDRESS_USER_INFO', /user info/],
  ['tcp:opaque', 'ERR_WORKLOAD_ADDRESS_OPAQUE', /tcp socket URI must not be opaque/],
  ['tcp://', 'ERR_WORKLOAD_ADDRESS_HOST', /IP:port/],
  ['http://1.2.3.4:5', 'ERR_WORKLOAD_ADDRESS_SCHEME', /must have a "tcp" or "unix" scheme/],
  ['blah', 'ERR_WORKLOAD_ADDRESS_SCHEME', /scheme/],
  ['/tmp/a.sock', 'ERR_WORKLOAD_ADDRESS_SCHEME', /scheme/],
  ['1unix:///a', 'ERR_WORKLOAD_ADDRESS_SYNTAX', /invalid scheme/],
];

describe('parseWorkloadAddress', () => {
  for (const [input, expected] of accepted) {
    it(`accepts ${input}`, () => assert.deepEqual(parseWorkloadAddress(input), expected));
  }
  for (const [input, code, message] of rejected) {
    it(`rejects ${input} with ${code}`, () => {
      assert.throws(
        () => parseWorkloadAddress(input),
        (err) => isWorkloadError(err, code) && message.test(err.message) && err.message.startsWith('workload endpoint ') && err.message.includes(JSON.stringify(input)),
      );
    });
  }
});

describe('resolveWorkloadAddress', () => {
  const env = { SPIFFE_ENDPOINT_SOCKET: 'unix:///env.sock' };

  it('prefers the explicit address over SPIFFE_ENDPOINT_SOCKET', () => {
    assert.deepEqual(resolveWorkloadAddress('tcp://10.0.0.1:9', env), { network: 'tcp', host: '10.0.0.1', port: 9 });
  });

  it('falls back to SPIFFE_ENDPOINT_SOCKET', () => {
    assert.deepEqual(resolveWorkloadAddress(undefined, env), { network: 'unix', path: '/env.sock' });
    assert.deepEqual(resolveWorkloadAddress('', env), { network: 'unix', path: '/env.sock' });
  });

  it('validates the environment value too', () => {
    assert.throws(() => resolveWorkloadAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: 'unix:rel' }), (err) => isWorkloadError(err, 'ERR_WORKLOAD_ADDRESS_OPAQUE'));
  });

  it('fails with ERR_WORKLOAD_ADDRESS_MISSING when neither is set', () => {
    for (const e of [{}, { SPIFFE_ENDPOINT_SOCKET: '' }]) {
      assert.throws(() => resolveWorkloadAddress(undefined, e), (err) => isWorkloadError(err, 'ERR_WORKLOAD_ADDRESS_MISSING') && /SPIFFE_ENDPOINT_SOCKET/.test(err.message));
    }
  });
});

describe('formatWorkloadAddress', () => {
  it('round-trips through parseWorkloadAddress', () => {
    for (const [, parsed] of accepted) assert.deepEqual(parseWorkloadAddress(formatWorkloadAddress(parsed)), parsed);
    assert.equal(formatWorkloadAddress({ network: 'tcp', host: '::1', port: 8 }), 'tcp://[::1]:8');
  });
});
