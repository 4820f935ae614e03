import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tspire/common';
import { parseAgentConfig } from './load.js';

const PLUGINS = 'plugins {\n  NodeAttestor "join_token" {}\n  KeyManager "memory" {}\n  WorkloadAttestor "unix" {}\n}';
const BASE = 'trust_domain = "example.org"\nserver_address = "spire"\nserver_port = 8081';

function parse(agentBody: string, files: Record<string, string> = {}) {
  return parseAgentConfig(`agent {\n${BASE}\n${agentBody}\n}\n${PLUGINS}`, {
    filename: 'agent.conf',
    cwd: '/w',
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  });
}

function message(agentBody: string, files: Record<string, string> = {}): string {
  try {
    parse(agentBody, files);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`expected an error for ${agentBody}`);
}

test('exactly one of trust_bundle_path, trust_bundle_url, insecure_bootstrap (SPIRE messages)', () => {
  const cases: [string, string][] = [
    ['', 'agent.trust_bundle_path: trust_bundle_path or trust_bundle_url must be configured unless insecure_bootstrap is set'],
    ['trust_bundle_path = ""\ninsecure_bootstrap = false', 'agent.trust_bundle_path: trust_bundle_path or trust_bundle_url must be configured unless insecure_bootstrap is set (at agent.conf:5:1)'],
    ['trust_bundle_path = "b.pem"\ntrust_bundle_url = "https://x/b"', 'agent.trust_bundle_url: only one of trust_bundle_url or trust_bundle_path can be specified, not both (at agent.conf:6:1)'],
    ['insecure_bootstrap = true\ntrust_bundle_path = "b.pem"', 'agent.insecure_bootstrap: only one of insecure_bootstrap or trust_bundle_path can be specified, not both (at agent.conf:5:1)'],
    ['insecure_bootstrap = true\ntrust_bundle_url = "https://x/b"', 'agent.insecure_bootstrap: only one of insecure_bootstrap or trust_bundle_url can be specified, not both (at agent.conf:5:1)'],
    ['insecure_bootstrap = true\ntrust_bundle_url = "https://x/b"\ntrust_bundle_path = "b.pem"',
      'agent.insecure_bootstrap: only one of insecure_bootstrap, trust_bundle_url, or trust_bundle_path can be specified, not the three options (at agent.conf:5:1)'],
    ['trust_bundle_spiffe_workload_api = "/run/other.sock"',
      'agent.trust_bundle_spiffe_workload_api: bootstrapping from a SPIFFE Workload API is not supported by tspire; use trust_bundle_path or trust_bundle_url (at agent.conf:5:1)'],
  ];
  for (const [body, expected] of cases) assert.equal(message(body), expected, body);
});

test('the three sources, typed', () => {
  assert.deepEqual(parse('trust_bundle_path = "conf/bundle.json"\ntrust_bundle_format = "spiffe"').config.trustBundle,
    { kind: 'path', path: '/w/conf/bundle.json', format: 'spiffe' });
  assert.deepEqual(parse('trust_bundle_url = "https://bundles.example.org/agent.pem"').config.trustBundle,
    { kind: 'url', url: 'https://bundles.example.org/agent.pem', format: 'pem' });
  assert.deepEqual(parse('trust_bundle_url = "http://localhost/bundle"\ntrust_bundle_unix_socket = "run/verifier.sock"').config.trustBundle,
    { kind: 'url', url: 'http://localhost/bundle', format: 'pem', unixSocket: '/w/run/verifier.sock' });
  const insecure = parse('insecure_bootstrap = true');
  assert.deepEqual(insecure.config.trustBundle, { kind: 'insecure' });
  assert.deepEqual(insecure.warnings, ['agent.insecure_bootstrap: the agent will not authenticate the server on its first connection; use it only for testing']);
});

test('trust bundle URL, format and unix socket checks', () => {
  assert.equal(message('trust_bundle_url = "http://bundles.example.org/b.pem"'),
    'agent.trust_bundle_url: trust bundle URL must start with https:// (http:// only with trust_bundle_unix_socket), got "http://bundles.example.org/b.pem" (at agent.conf:5:1)');
  assert.equal(message('trust_bundle_url = "not a url"'), 'agent.trust_bundle_url: unable to parse trust bundle URL "not a url" (at agent.conf:5:1)');
  assert.equal(message('trust_bundle_path = "b"\ntrust_bundle_format = "der"'), 'agent.trust_bundle_format: invalid value "der", expected "pem" or "spiffe" (at agent.conf:6:1)');
  assert.equal(message('trust_bundle_path = "b"\ntrust_bundle_unix_socket = "/s.sock"'), 'agent.trust_bundle_unix_socket: can only be used with trust_bundle_url (at agent.conf:6:1)');
});

test('rebootstrap settings', () => {
  assert.deepEqual(parse('trust_bundle_path = "b"\nrebootstrap_mode = "never"\nrebootstrap_delay = "1m"').warnings, []);
  assert.deepEqual(parse('trust_bundle_path = "b"\nrebootstrap_mode = "always"').warnings,
    ['agent.rebootstrap_mode: "always" is not supported by tspire, ignored (the agent never rebootstraps)']);
  assert.equal(message('trust_bundle_path = "b"\nrebootstrap_mode = "often"'), 'agent.rebootstrap_mode: invalid value "often", expected one of never, auto, always (at agent.conf:6:1)');
  assert.equal(message('trust_bundle_path = "b"\nrebootstrap_delay = "0s"'), 'agent.rebootstrap_delay: must be a positive duration, got 0s (at agent.conf:6:1)');
  assert.equal(message('insecure_bootstrap = true\nrebootstrap_mode = "auto"'),
    'agent.rebootstrap_mode: rebootstrap_mode "auto" cannot be used with insecure_bootstrap (use "never") (at agent.conf:6:1)');
});

test('join_token and join_token_file: one or the other, file trimmed and not empty, token never echoed', () => {
  const files = { '/w/token': '\n  s3cret-token \t\n', '/w/empty': ' \n\t ' };
  assert.equal(parse('insecure_bootstrap = true\njoin_token = "s3cret-token"').config.joinToken, 's3cret-token');
  assert.equal(parse('insecure_bootstrap = true\njoin_token_file = "token"', files).config.joinToken, 's3cret-token');
  assert.equal(parse('insecure_bootstrap = true\njoin_token = ""').config.joinToken, undefined);
  const errors = [
    message('insecure_bootstrap = true\njoin_token = "s3cret-token"\njoin_token_file = "token"', files),
    message('insecure_bootstrap = true\njoin_token_file = "empty"', files),
    message('insecure_bootstrap = true\njoin_token_file = "missing"', files),
  ];
  assert.deepEqual(errors, [
    'agent.join_token: only one of join_token or join_token_file can be specified, not both (at agent.conf:6:1)',
    'agent.join_token_file: join token file "/w/empty" is empty (at agent.conf:6:1)',
    'agent.join_token_file: unable to read join token file "/w/missing": ENOENT: no such file or directory, open \'/w/missing\' (at agent.conf:6:1)',
  ]);
  for (const error of errors) assert.doesNotMatch(error, /s3cret/);
});
