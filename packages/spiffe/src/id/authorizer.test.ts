import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpiffeError } from '../errors.js';
import { SpiffeId } from './spiffe-id.js';
import { TrustDomain } from './trust-domain.js';
import {
  type Authorizer,
  authorize,
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  authorizeOneOf,
} from './authorizer.js';

const web = SpiffeId.parse('spiffe://example.org/web');
const cron = SpiffeId.parse('spiffe://example.org/cron');
const foreign = SpiffeId.parse('spiffe://other.org/web');

/** Asserts a refusal: ERR_ID_NOT_AUTHORIZED naming the peer and every expected fragment. */
function assertRefuses(authorizer: Authorizer, peer: SpiffeId, ...expected: string[]): SpiffeError {
  let caught: unknown;
  assert.throws(() => authorizer(peer), (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof SpiffeError);
  assert.equal(caught.code, 'ERR_ID_NOT_AUTHORIZED');
  assert.ok(caught.message.includes(JSON.stringify(peer.toString())), `peer not named: ${caught.message}`);
  for (const fragment of expected) {
    assert.ok(caught.message.includes(fragment), `${JSON.stringify(fragment)} not in: ${caught.message}`);
  }
  return caught;
}

describe('authorizeAny', () => {
  it('accepts any SPIFFE ID', () => {
    const authorizer = authorizeAny();
    for (const id of [web, foreign, SpiffeId.parse('spiffe://example.org')]) assert.equal(authorizer(id), undefined);
  });

  it('fails closed when there is no SpiffeId', () => {
    const authorizer = authorizeAny();
    for (const notAnId of [undefined, null, 'spiffe://example.org/web', { path: '/web' }]) {
      assert.throws(() => authorizer(notAnId as unknown as SpiffeId), {
        code: 'ERR_ID_NOT_AUTHORIZED',
        message: /peer has no valid SPIFFE ID/,
      });
    }
  });
});

describe('authorizeId', () => {
  it('accepts exactly the expected ID, given as a value or a string', () => {
    for (const authorizer of [authorizeId(web), authorizeId('spiffe://example.org/web')]) {
      authorizer(SpiffeId.parse('spiffe://example.org/web'));
      assertRefuses(authorizer, cron, 'expected "spiffe://example.org/web"');
      assertRefuses(authorizer, foreign, 'expected "spiffe://example.org/web"');
      assertRefuses(authorizer, SpiffeId.parse('spiffe://example.org/Web'));
      assertRefuses(authorizer, SpiffeId.parse('spiffe://example.org/web/x'));
      assertRefuses(authorizer, SpiffeId.parse('spiffe://example.org'));
    }
  });

  it('parses a string strictly', () => {
    assert.throws(() => authorizeId('spiffe://Example.org/web'), { code: 'ERR_ID_BAD_TRUST_DOMAIN_CHAR' });
    assert.throws(() => authorizeId('spiffe://example.org/web/'), { code: 'ERR_ID_TRAILING_SLASH' });
    assert.throws(() => authorizeId(''), { code: 'ERR_ID_EMPTY' });
  });
});

describe('authorizeOneOf', () => {
  it('accepts any listed ID, mixing values and strings', () => {
    const authorizer = authorizeOneOf(web, 'spiffe://example.org/cron');
    authorizer(web);
    authorizer(SpiffeId.parse('spiffe://example.org/cron'));
    assertRefuses(authorizer, foreign, 'expected one of "spiffe://example.org/web", "spiffe://example.org/cron"');
  });

  it('refuses every peer when the list is empty', () => {
    const authorizer = authorizeOneOf();
    assertRefuses(authorizer, web, 'no ID is allowed');
  });

  it('lists five expected IDs and counts the rest', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `spiffe://example.org/svc${i}`);
    const err = assertRefuses(authorizeOneOf(...ids), foreign, '"spiffe://example.org/svc4" and 3 more');
    assert.ok(!err.message.includes('svc5'));
    authorizeOneOf(...ids)(SpiffeId.parse('spiffe://example.org/svc7'));
  });

  it('parses strings strictly', () => {
    assert.throws(() => authorizeOneOf(web, 'spiffe://example.org:443/web'), { code: 'ERR_ID_HAS_PORT' });
  });
});

describe('authorizeMemberOf', () => {
  it('accepts members of the trust domain, given as a value, a name or an ID string', () => {
    const forms = [TrustDomain.parse('example.org'), 'example.org', 'spiffe://example.org'];
    for (const form of forms) {
      const authorizer = authorizeMemberOf(form);
      authorizer(web);
      authorizer(SpiffeId.parse('spiffe://example.org'));
      assertRefuses(authorizer, foreign, 'expected a member of trust domain "example.org"');
      assertRefuses(authorizer, SpiffeId.parse('spiffe://example.org.evil/web'));
      assertRefuses(authorizer, SpiffeId.parse('spiffe://sub.example.org/web'));
    }
  });

  it('parses a string strictly', () => {
    assert.throws(() => authorizeMemberOf('Example.org'), { code: 'ERR_ID_BAD_TRUST_DOMAIN_CHAR' });
    assert.throws(() => authorizeMemberOf(''), { code: 'ERR_ID_MISSING_TRUST_DOMAIN' });
  });
});

describe('authorize (custom predicate)', () => {
  const prodOnly = (id: SpiffeId) => id.memberOf(TrustDomain.parse('example.org')) && id.path.startsWith('/ns/prod/');

  it('accepts when the predicate returns true and uses the description in refusals', () => {
    const authorizer = authorize(prodOnly, 'an ID under spiffe://example.org/ns/prod/');
    authorizer(SpiffeId.parse('spiffe://example.org/ns/prod/api'));
    assertRefuses(authorizer, SpiffeId.parse('spiffe://example.org/ns/dev/api'), 'expected an ID under spiffe://example.org/ns/prod/');
  });

  it('has a default description', () => {
    assertRefuses(authorize(() => false), web, 'expected an ID the custom rule accepts');
  });

  it('accepts only exactly true (fails closed on truthy values)', () => {
    const truthy = (() => 1) as unknown as (id: SpiffeId) => boolean;
    assertRefuses(authorize(truthy), web);
    const undef = (() => undefined) as unknown as (id: SpiffeId) => boolean;
    assertRefuses(authorize(undef), web);
  });

  it('refuses when the predicate throws, keeping the error as cause', () => {
    const boom = new Error('boom');
    const err = assertRefuses(
      authorize(() => {
        throw boom;
      }, 'a working rule'),
      web,
      'expected a working rule (the rule threw)',
    );
    assert.equal(err.cause, boom);
  });

  it('passes a nested authorizer refusal through unchanged', () => {
    const inner = authorizeId(cron);
    const outer = authorize((id) => {
      inner(id);
      return true;
    });
    outer(cron);
    assertRefuses(outer, web, 'expected "spiffe://example.org/cron"');
  });

  it('does not call the predicate without a SpiffeId', () => {
    let calls = 0;
    const authorizer = authorize(() => {
      calls++;
      return true;
    });
    assert.throws(() => authorizer(undefined as unknown as SpiffeId), { code: 'ERR_ID_NOT_AUTHORIZED' });
    assert.equal(calls, 0);
  });
});
