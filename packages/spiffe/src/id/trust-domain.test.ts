import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpiffeError, type SpiffeErrorCode } from '../errors.js';
import { SpiffeId } from './spiffe-id.js';
import { TrustDomain } from './trust-domain.js';

function assertRejects(input: string, code: SpiffeErrorCode): void {
  assert.throws(
    () => TrustDomain.parse(input),
    (err: unknown) => {
      assert.ok(err instanceof SpiffeError, `expected SpiffeError, got ${String(err)}`);
      assert.equal(err.code, code, `wrong code for ${JSON.stringify(input)}: ${err.message}`);
      assert.ok(err.message.includes(JSON.stringify(input)), `message does not quote the input: ${err.message}`);
      return true;
    },
  );
}

/** [input, name] */
const validNames: Array<[string, string]> = [
  ['example.org', 'example.org'],
  ['prod_east-1.example.org', 'prod_east-1.example.org'],
  ['10.0.0.1', '10.0.0.1'],
  ['localhost', 'localhost'],
  ['a', 'a'],
  ['-._0', '-._0'],
  ['x'.repeat(255), 'x'.repeat(255)],
  // a full ID: the path is validated, then dropped
  ['spiffe://example.org', 'example.org'],
  ['spiffe://example.org/ns/prod/sa/api', 'example.org'],
  ['spiffe://td/...', 'td'],
];

/** [input, code] */
const invalidNames: Array<[string, SpiffeErrorCode]> = [
  ['', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  ['Example.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['EXAMPLE.ORG', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  // without "://" the input is a bare name, and "/" is not a trust-domain character
  ['example.org/x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['example.org/', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['exa mple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['café.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['[::1]', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['example.org:8443', 'ERR_ID_HAS_PORT'],
  ['user@example.org', 'ERR_ID_HAS_USERINFO'],
  ['user:pass@example.org', 'ERR_ID_HAS_USERINFO'],
  ['ex%41mple.org', 'ERR_ID_PERCENT_ENCODED'],
  ['example.org?x=1', 'ERR_ID_HAS_QUERY'],
  ['example.org#f', 'ERR_ID_HAS_FRAGMENT'],
  ['x'.repeat(256), 'ERR_ID_TRUST_DOMAIN_TOO_LONG'],
  // a full ID: every rule applies to the path too
  ['spiffe://', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  ['spiffe:///x', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  ['SPIFFE://example.org', 'ERR_ID_BAD_SCHEME'],
  ['spiffe:/example.org', 'ERR_ID_BAD_SCHEME'],
  ['https://example.org', 'ERR_ID_BAD_SCHEME'],
  ['example.org:/x', 'ERR_ID_BAD_SCHEME'],
  ['spiffe://example.org/', 'ERR_ID_TRAILING_SLASH'],
  ['spiffe://example.org/a//b', 'ERR_ID_EMPTY_SEGMENT'],
  ['spiffe://example.org/a/..', 'ERR_ID_DOT_SEGMENT'],
  ['spiffe://example.org/a b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/x?y', 'ERR_ID_HAS_QUERY'],
];

describe('TrustDomain.parse', () => {
  for (const [input, name] of validNames) {
    it(`accepts ${JSON.stringify(input.slice(0, 60))}`, () => {
      assert.equal(TrustDomain.parse(input).name, name);
    });
  }

  for (const [input, code] of invalidNames) {
    it(`rejects ${JSON.stringify(input.slice(0, 60))} with ${code}`, () => assertRejects(input, code));
  }

  it('skips the 255-byte limit with lengthLimits: false', () => {
    assert.equal(TrustDomain.parse('x'.repeat(256), { lengthLimits: false }).name, 'x'.repeat(256));
    assert.throws(() => TrustDomain.parse('X'.repeat(256), { lengthLimits: false }), { code: 'ERR_ID_BAD_TRUST_DOMAIN_CHAR' });
  });
});

describe('TrustDomain values', () => {
  const td = TrustDomain.parse('example.org');

  it('gives its ID and ID string', () => {
    assert.equal(td.idString(), 'spiffe://example.org');
    const id = td.id();
    assert.ok(id instanceof SpiffeId);
    assert.equal(id.toString(), 'spiffe://example.org');
    assert.equal(id.isTrustDomainId(), true);
    assert.ok(id.memberOf(td));
  });

  it('compares by name', () => {
    assert.equal(td.equals(TrustDomain.parse('example.org')), true);
    assert.equal(td.equals(TrustDomain.parse('spiffe://example.org/x')), true);
    assert.equal(td.equals(TrustDomain.parse('example.com')), false);
    assert.equal(td.equals(undefined), false);
    assert.equal(td.equals(null), false);
  });

  it('sorts by name', () => {
    const names = ['b.org', 'a.org', 'c.org', 'a.org'].map((n) => TrustDomain.parse(n));
    assert.deepEqual(
      names.sort((x, y) => x.compare(y)).map(String),
      ['a.org', 'a.org', 'b.org', 'c.org'],
    );
    assert.equal(td.compare(TrustDomain.parse('example.org')), 0);
  });

  it('prints as its name in toString and JSON', () => {
    assert.equal(td.toString(), 'example.org');
    assert.equal(`${td}`, 'example.org');
    assert.equal(JSON.stringify({ td }), '{"td":"example.org"}');
  });
});
