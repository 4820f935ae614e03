import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpiffeIdProto } from './parse-helpers.js';

/** The message parseSpiffeIdProto throws for `text`. */
function messageFor(text: string): string {
  try {
    parseSpiffeIdProto(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} parsed`);
}

test('parseSpiffeIdProto splits a valid ID into trust domain and path', () => {
  const id = parseSpiffeIdProto('spiffe://example.org/w/one');
  assert.deepEqual([id.trustDomain, id.path], ['example.org', '/w/one']);
});

test('invalid SPIFFE IDs give go-spiffe messages, without the input echoed (as SPIRE CLI prints them)', () => {
  const cases: [string, string][] = [
    ['', 'cannot be empty'],
    ['not-an-id', 'scheme is missing or invalid'],
    ['spiffe:///w', 'trust domain is missing'],
    ['spiffe://Example.org/w', 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores'],
    ['spiffe://example.org:443/w', 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores'],
    ['spiffe://user@example.org/w', 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores'],
    ['spiffe://example.org/w?x=1', 'path segment characters are limited to letters, numbers, dots, dashes, and underscores'],
    ['spiffe://example.org/w%20x', 'path segment characters are limited to letters, numbers, dots, dashes, and underscores'],
    ['spiffe://example.org/w$', 'path segment characters are limited to letters, numbers, dots, dashes, and underscores'],
    ['spiffe://example.org//w', 'path cannot contain empty segments'],
    ['spiffe://example.org/./w', 'path cannot contain dot segments'],
    ['spiffe://example.org/w/', 'path cannot have a trailing slash'],
  ];
  for (const [text, message] of cases) assert.equal(messageFor(text), message, text);
});
