import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpiffeError, type SpiffeErrorCode } from '../errors.js';
import { SpiffeId } from './spiffe-id.js';
import { TrustDomain } from './trust-domain.js';

/** A trust domain name of exactly `bytes` bytes (dot-separated labels of "a"). */
function tdOfLength(bytes: number): string {
  return ('a'.repeat(62) + '.').repeat(5).slice(0, bytes - 1) + 'z';
}

/** A full SPIFFE ID of exactly `bytes` bytes with trust domain example.org. */
function idOfLength(bytes: number): string {
  const head = 'spiffe://example.org/';
  return head + 'p'.repeat(bytes - head.length);
}

/** What a message must contain to quote the input (long inputs are shown truncated). */
function assertQuotes(message: string, input: string, shownChars: number): void {
  if (input.length <= shownChars) {
    assert.ok(message.includes(JSON.stringify(input)), `message ${JSON.stringify(message)} does not quote the input`);
    return;
  }
  const openingOfQuote = JSON.stringify(input.slice(0, shownChars)).slice(0, -1);
  assert.ok(message.includes(openingOfQuote), `message does not quote the start of the input: ${message}`);
  assert.ok(message.includes(`(${input.length} chars)`), `message does not give the input length: ${message}`);
}

function assertSpiffeError(fn: () => unknown, code: SpiffeErrorCode, input: string, shownChars = 256): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SpiffeError, `expected SpiffeError, got ${String(err)}`);
    assert.equal(err.code, code, `wrong code for ${JSON.stringify(input.slice(0, 80))}: ${err.message}`);
    assertQuotes(err.message, input, shownChars);
    return true;
  });
}

function label(input: string): string {
  const shown = input.length > 60 ? `${input.slice(0, 40)}...(${input.length} chars)` : input;
  return JSON.stringify(shown);
}

/** [input, trust domain name, path] */
const validIds: Array<[string, string, string]> = [
  // vectors from the fact sheet §1.5
  ['spiffe://example.org', 'example.org', ''],
  ['spiffe://example.org/ns/prod/sa/api', 'example.org', '/ns/prod/sa/api'],
  ['spiffe://prod_east-1.example.org/Billing/API_v2', 'prod_east-1.example.org', '/Billing/API_v2'],
  ['spiffe://10.0.0.1/svc', '10.0.0.1', '/svc'],
  ['spiffe://td/.hidden', 'td', '/.hidden'],
  ['spiffe://td/...', 'td', '/...'],
  ['spiffe://td/..x', 'td', '/..x'],
  // trust-domain characters
  ['spiffe://a', 'a', ''],
  ['spiffe://1', '1', ''],
  ['spiffe://localhost/x', 'localhost', '/x'],
  ['spiffe://under_score.example/x', 'under_score.example', '/x'],
  ['spiffe://-._', '-._', ''],
  ['spiffe://example..org/x', 'example..org', '/x'],
  ['spiffe://.example.org', '.example.org', ''],
  ['spiffe://example.org./x', 'example.org.', '/x'],
  ['spiffe://xn--caf-dma.example/x', 'xn--caf-dma.example', '/x'],
  ['spiffe://0123456789abcdefghijklmnopqrstuvwxyz', '0123456789abcdefghijklmnopqrstuvwxyz', ''],
  // IPv4-looking names are just names
  ['spiffe://255.255.255.255', '255.255.255.255', ''],
  ['spiffe://999.999.999.999/x', '999.999.999.999', '/x'],
  // path characters and dot-like segments that are not dot segments
  ['spiffe://td/.x', 'td', '/.x'],
  ['spiffe://td/x.', 'td', '/x.'],
  ['spiffe://td/x..', 'td', '/x..'],
  ['spiffe://td/....', 'td', '/....'],
  ['spiffe://td/a/.b/..c/...d', 'td', '/a/.b/..c/...d'],
  ['spiffe://td/_', 'td', '/_'],
  ['spiffe://td/-', 'td', '/-'],
  ['spiffe://td/ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'td', '/ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
  ['spiffe://td/abcxyz0123456789-._', 'td', '/abcxyz0123456789-._'],
  ['spiffe://example.org/a/b/c/d/e/f/g', 'example.org', '/a/b/c/d/e/f/g'],
  ['spiffe://example.org/spire/server', 'example.org', '/spire/server'],
  [
    'spiffe://example.org/spire/agent/join_token/6d1b2f7e-3c1a-4f0e-9a52-0b7c4c9e2d11',
    'example.org',
    '/spire/agent/join_token/6d1b2f7e-3c1a-4f0e-9a52-0b7c4c9e2d11',
  ],
  // length limits: exactly at the limit is accepted
  [`spiffe://${tdOfLength(255)}`, tdOfLength(255), ''],
  [`spiffe://${tdOfLength(255)}/x`, tdOfLength(255), '/x'],
  [idOfLength(2048), 'example.org', idOfLength(2048).slice('spiffe://example.org'.length)],
];

/** [input, code] */
const invalidIds: Array<[string, SpiffeErrorCode]> = [
  // empty and scheme
  ['', 'ERR_ID_EMPTY'],
  ['https://example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['SPIFFE://example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['Spiffe://example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['spiffE://example.org', 'ERR_ID_BAD_SCHEME'],
  ['spiffe:/example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['spiffe:example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['spiffe//example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['spiffe', 'ERR_ID_BAD_SCHEME'],
  ['example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['example.org', 'ERR_ID_BAD_SCHEME'],
  ['//example.org/x', 'ERR_ID_BAD_SCHEME'],
  [' spiffe://example.org/x', 'ERR_ID_BAD_SCHEME'],
  ['spiffe:\\\\example.org/x', 'ERR_ID_BAD_SCHEME'],
  // empty trust domain
  ['spiffe://', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  ['spiffe:///x', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  ['spiffe:///', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  ['spiffe:////x', 'ERR_ID_MISSING_TRUST_DOMAIN'],
  // trust-domain characters and case
  ['spiffe://Example.org/x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://EXAMPLE.ORG', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://Example.org/', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://exam ple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://example.org /x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://café.example/x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://例え.jp', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://exa~mple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://exa+mple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://example!.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://exa*mple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://example.org\\x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://exam\tple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://exam\u0000ple.org', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  // IPv6 literals cannot be expressed
  ['spiffe://[::1]/x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://[2001:db8::1]', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  ['spiffe://[2001:db8::1]:8443/x', 'ERR_ID_BAD_TRUST_DOMAIN_CHAR'],
  // port
  ['spiffe://example.org:8443/x', 'ERR_ID_HAS_PORT'],
  ['spiffe://example.org:8443', 'ERR_ID_HAS_PORT'],
  ['spiffe://example.org:/x', 'ERR_ID_HAS_PORT'],
  ['spiffe://10.0.0.1:443/svc', 'ERR_ID_HAS_PORT'],
  // userinfo (judged on the whole authority, so a password does not read as a port)
  ['spiffe://svc@example.org/x', 'ERR_ID_HAS_USERINFO'],
  ['spiffe://@example.org', 'ERR_ID_HAS_USERINFO'],
  ['spiffe://user:pass@example.org/x', 'ERR_ID_HAS_USERINFO'],
  ['spiffe://example.org@evil.example/x', 'ERR_ID_HAS_USERINFO'],
  // percent-encoding, in the trust domain and in the path
  ['spiffe://ex%41mple.org/x', 'ERR_ID_PERCENT_ENCODED'],
  ['spiffe://%65xample.org', 'ERR_ID_PERCENT_ENCODED'],
  ['spiffe://example.org/a%20b', 'ERR_ID_PERCENT_ENCODED'],
  ['spiffe://example.org/%2e%2e', 'ERR_ID_PERCENT_ENCODED'],
  ['spiffe://example.org/a%2Fb', 'ERR_ID_PERCENT_ENCODED'],
  ['spiffe://example.org/a/%', 'ERR_ID_PERCENT_ENCODED'],
  // query
  ['spiffe://example.org/x?y=1', 'ERR_ID_HAS_QUERY'],
  ['spiffe://example.org?y=1', 'ERR_ID_HAS_QUERY'],
  ['spiffe://example.org/x?', 'ERR_ID_HAS_QUERY'],
  ['spiffe://example.org/?', 'ERR_ID_HAS_QUERY'],
  // fragment
  ['spiffe://example.org/x#f', 'ERR_ID_HAS_FRAGMENT'],
  ['spiffe://example.org#f', 'ERR_ID_HAS_FRAGMENT'],
  ['spiffe://example.org/x#', 'ERR_ID_HAS_FRAGMENT'],
  // path segment characters
  ['spiffe://example.org/a b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/café', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/日本', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/smile\u{1F600}', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a~b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a:b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a@b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a+b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a!b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a$b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a&b', 'ERR_ID_BAD_PATH_CHAR'],
  ["spiffe://example.org/a'b", 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a(b)', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a*b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a,b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a;b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a=b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a[b]', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a\\b', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a\tb', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a\nb', 'ERR_ID_BAD_PATH_CHAR'],
  ['spiffe://example.org/a"b', 'ERR_ID_BAD_PATH_CHAR'],
  // empty segments
  ['spiffe://example.org//a', 'ERR_ID_EMPTY_SEGMENT'],
  ['spiffe://example.org/a//b', 'ERR_ID_EMPTY_SEGMENT'],
  ['spiffe://example.org/a///b', 'ERR_ID_EMPTY_SEGMENT'],
  ['spiffe://example.org//', 'ERR_ID_EMPTY_SEGMENT'],
  // dot segments
  ['spiffe://example.org/./a', 'ERR_ID_DOT_SEGMENT'],
  ['spiffe://example.org/a/..', 'ERR_ID_DOT_SEGMENT'],
  ['spiffe://example.org/a/./b', 'ERR_ID_DOT_SEGMENT'],
  ['spiffe://example.org/a/../b', 'ERR_ID_DOT_SEGMENT'],
  ['spiffe://example.org/.', 'ERR_ID_DOT_SEGMENT'],
  ['spiffe://example.org/..', 'ERR_ID_DOT_SEGMENT'],
  // trailing slash, including a bare "/"
  ['spiffe://example.org/', 'ERR_ID_TRAILING_SLASH'],
  ['spiffe://example.org/a/', 'ERR_ID_TRAILING_SLASH'],
  ['spiffe://example.org/a/b/', 'ERR_ID_TRAILING_SLASH'],
  ['spiffe://example.org/.x/', 'ERR_ID_TRAILING_SLASH'],
  // length limits: one byte over
  [`spiffe://${tdOfLength(256)}`, 'ERR_ID_TRUST_DOMAIN_TOO_LONG'],
  [`spiffe://${tdOfLength(256)}/x`, 'ERR_ID_TRUST_DOMAIN_TOO_LONG'],
  [idOfLength(2049), 'ERR_ID_TOO_LONG'],
];

/** How many characters of the input each code's message shows before truncating. */
function shownChars(code: SpiffeErrorCode): number {
  return code === 'ERR_ID_TOO_LONG' ? 64 : 256;
}

describe('SpiffeId.parse', () => {
  it('has at least 80 table cases', () => {
    assert.ok(validIds.length + invalidIds.length >= 80, `${validIds.length + invalidIds.length} cases`);
  });

  for (const [input, trustDomain, path] of validIds) {
    it(`accepts ${label(input)}`, () => {
      const id = SpiffeId.parse(input);
      assert.equal(id.trustDomain.name, trustDomain);
      assert.equal(id.path, path);
      assert.equal(id.toString(), input);
      assert.equal(SpiffeId.isValid(input), true);
      // TrustDomain.parse of a full ID keeps only the trust domain.
      assert.equal(TrustDomain.parse(input).name, trustDomain);
    });
  }

  for (const [input, code] of invalidIds) {
    it(`rejects ${label(input)} with ${code}`, () => {
      assertSpiffeError(() => SpiffeId.parse(input), code, input, shownChars(code));
      assert.equal(SpiffeId.isValid(input), false);
      // TrustDomain.parse validates a full ID (path included) the same way.
      if (input.includes(':/')) assertSpiffeError(() => TrustDomain.parse(input), code, input, shownChars(code));
    });
  }

  it('checks the trust domain before the path (the trust-domain error wins)', () => {
    assertSpiffeError(() => SpiffeId.parse('spiffe://Example.org/a//b'), 'ERR_ID_BAD_TRUST_DOMAIN_CHAR', 'spiffe://Example.org/a//b');
  });

  it('counts the ID limit in UTF-8 bytes of the whole ID, scheme included', () => {
    const atLimit = idOfLength(2048);
    assert.equal(Buffer.byteLength(atLimit), 2048);
    assert.equal(SpiffeId.parse(atLimit).toString().length, 2048);
    assert.equal(tdOfLength(255).length, 255);
  });

  it('skips both length limits with lengthLimits: false', () => {
    const longId = idOfLength(5000);
    assert.equal(SpiffeId.parse(longId, { lengthLimits: false }).toString(), longId);
    const longTd = tdOfLength(300);
    assert.equal(SpiffeId.parse(`spiffe://${longTd}/x`, { lengthLimits: false }).trustDomain.name, longTd);
    assert.equal(TrustDomain.parse(longTd, { lengthLimits: false }).name, longTd);
    assert.equal(TrustDomain.parse(longId, { lengthLimits: false }).name, 'example.org');
    // every other rule still applies
    assertSpiffeError(() => SpiffeId.parse(`${longId}/`, { lengthLimits: false }), 'ERR_ID_TRAILING_SLASH', `${longId}/`);
  });

  it('enforces the limits by default and with lengthLimits: true', () => {
    assertSpiffeError(() => SpiffeId.parse(idOfLength(2049), { lengthLimits: true }), 'ERR_ID_TOO_LONG', idOfLength(2049), 64);
    const longTd = tdOfLength(256);
    assertSpiffeError(() => TrustDomain.parse(longTd), 'ERR_ID_TRUST_DOMAIN_TOO_LONG', longTd);
  });
});

describe('SpiffeId.fromPath', () => {
  const td = TrustDomain.parse('example.org');

  it('builds an ID from a trust domain and a path', () => {
    const id = SpiffeId.fromPath(td, '/spire/server');
    assert.equal(id.toString(), 'spiffe://example.org/spire/server');
    assert.ok(id.equals(SpiffeId.parse('spiffe://example.org/spire/server')));
  });

  it('builds the trust domain ID from an empty path', () => {
    const id = SpiffeId.fromPath(td, '');
    assert.equal(id.toString(), 'spiffe://example.org');
    assert.equal(id.isTrustDomainId(), true);
  });

  const badPaths: Array<[string, SpiffeErrorCode]> = [
    ['x', 'ERR_ID_NO_LEADING_SLASH'],
    ['x/y', 'ERR_ID_NO_LEADING_SLASH'],
    ['/', 'ERR_ID_TRAILING_SLASH'],
    ['/a/', 'ERR_ID_TRAILING_SLASH'],
    ['/a//b', 'ERR_ID_EMPTY_SEGMENT'],
    ['/a/..', 'ERR_ID_DOT_SEGMENT'],
    ['/a?b', 'ERR_ID_HAS_QUERY'],
    ['/a#b', 'ERR_ID_HAS_FRAGMENT'],
    ['/a%41', 'ERR_ID_PERCENT_ENCODED'],
    ['/a b', 'ERR_ID_BAD_PATH_CHAR'],
  ];
  for (const [path, code] of badPaths) {
    it(`rejects path ${label(path)} with ${code}`, () => {
      assertSpiffeError(() => SpiffeId.fromPath(td, path), code, path);
    });
  }

  it('rejects a result longer than 2048 bytes', () => {
    const path = '/' + 'p'.repeat(2048);
    assert.throws(() => SpiffeId.fromPath(td, path), { code: 'ERR_ID_TOO_LONG' });
    const exact = '/' + 'p'.repeat(2048 - 'spiffe://example.org/'.length);
    assert.equal(SpiffeId.fromPath(td, exact).toString().length, 2048);
  });
});

describe('SpiffeId.fromSegments', () => {
  const td = TrustDomain.parse('example.org');

  it('joins segments with "/"', () => {
    assert.equal(SpiffeId.fromSegments(td, 'spire', 'agent', 'join_token', 'abc').path, '/spire/agent/join_token/abc');
  });

  it('gives the trust domain ID for no segments', () => {
    assert.equal(SpiffeId.fromSegments(td).toString(), 'spiffe://example.org');
  });

  it('rejects a segment containing "/"', () => {
    assertSpiffeError(() => SpiffeId.fromSegments(td, 'a', 'b/c'), 'ERR_ID_BAD_PATH_CHAR', 'b/c');
  });

  for (const segments of [[''], ['a', ''], ['', 'a'], ['a', '', 'b']]) {
    it(`rejects an empty segment in ${JSON.stringify(segments)}`, () => {
      assertSpiffeError(() => SpiffeId.fromSegments(td, ...segments), 'ERR_ID_EMPTY_SEGMENT', segments.join('/'));
    });
  }

  it('rejects dot segments and bad characters', () => {
    assert.throws(() => SpiffeId.fromSegments(td, 'a', '..'), { code: 'ERR_ID_DOT_SEGMENT' });
    assert.throws(() => SpiffeId.fromSegments(td, '.'), { code: 'ERR_ID_DOT_SEGMENT' });
    assert.throws(() => SpiffeId.fromSegments(td, 'a b'), { code: 'ERR_ID_BAD_PATH_CHAR' });
    assert.equal(SpiffeId.fromSegments(td, '..x', '.y').path, '/..x/.y');
  });
});

describe('SpiffeId values', () => {
  it('compares by exact string; the path is case-sensitive', () => {
    const a = SpiffeId.parse('spiffe://example.org/Api');
    assert.equal(a.equals(SpiffeId.parse('spiffe://example.org/Api')), true);
    assert.equal(a.equals(SpiffeId.parse('spiffe://example.org/api')), false);
    assert.equal(a.equals(SpiffeId.parse('spiffe://example.org/Api/x')), false);
    assert.equal(a.equals(SpiffeId.parse('spiffe://other.org/Api')), false);
    assert.equal(a.equals(undefined), false);
    assert.equal(a.equals(null), false);
  });

  it('is not equal to a look-alike object (and does not throw)', () => {
    const fake = { toString: () => 'spiffe://example.org/Api' } as unknown as SpiffeId;
    assert.equal(SpiffeId.parse('spiffe://example.org/Api').equals(fake), false);
  });

  it('tells membership of a trust domain by exact name', () => {
    const id = SpiffeId.parse('spiffe://example.org/web');
    assert.equal(id.memberOf(TrustDomain.parse('example.org')), true);
    assert.equal(id.memberOf(TrustDomain.parse('spiffe://example.org')), true);
    assert.equal(id.memberOf(TrustDomain.parse('example.org.evil')), false);
    assert.equal(id.memberOf(TrustDomain.parse('org')), false);
    assert.equal(id.memberOf(TrustDomain.parse('sub.example.org')), false);
  });

  it('prints as the ID string in toString, template literals and JSON', () => {
    const id = SpiffeId.parse('spiffe://example.org/ns/prod');
    assert.equal(id.toString(), 'spiffe://example.org/ns/prod');
    assert.equal(`${id}`, 'spiffe://example.org/ns/prod');
    assert.equal(id.toJSON(), 'spiffe://example.org/ns/prod');
    assert.equal(JSON.stringify({ id }), '{"id":"spiffe://example.org/ns/prod"}');
  });

  it('splits the path into segments', () => {
    assert.deepEqual(SpiffeId.parse('spiffe://example.org/ns/prod/sa/api').segments(), ['ns', 'prod', 'sa', 'api']);
    assert.deepEqual(SpiffeId.parse('spiffe://example.org/x').segments(), ['x']);
    assert.deepEqual(SpiffeId.parse('spiffe://example.org').segments(), []);
  });

  it('returns a fresh segments array each time', () => {
    const id = SpiffeId.parse('spiffe://example.org/a/b');
    id.segments().push('c');
    assert.deepEqual(id.segments(), ['a', 'b']);
  });

  it('knows the trust domain ID', () => {
    assert.equal(SpiffeId.parse('spiffe://example.org').isTrustDomainId(), true);
    assert.equal(SpiffeId.parse('spiffe://example.org/x').isTrustDomainId(), false);
    assert.ok(SpiffeId.parse('spiffe://example.org/x').trustDomain.id().equals(SpiffeId.parse('spiffe://example.org')));
  });
});
