import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTspireError } from '../errors/tspire-error.js';
import { HelpRequested, defineFlags } from './flag-set.js';

const entryCreate = defineFlags({
  spiffeID: { kind: 'string', usage: 'The SPIFFE ID that this record represents' },
  parentID: { kind: 'string', usage: 'The SPIFFE ID of this record\'s parent' },
  selector: { kind: 'stringList', usage: 'A colon-delimited type:value selector. Can be used more than once' },
  x509SVIDTTL: { kind: 'int', usage: 'The lifetime, in seconds, for x509-SVIDs issued based on this registration entry.' },
  ttl: { kind: 'int', default: 600, usage: 'TTL' },
  admin: { kind: 'bool', usage: 'If set, the SPIFFE ID in this entry will be granted access to the Server APIs' },
  expiredFor: { kind: 'duration', default: '720h', usage: 'Amount of time' },
  socketPath: { kind: 'string', default: '/tmp/spire-server/private/api.sock', usage: 'Path to the SPIRE Server API `socket`' },
  ratio: { kind: 'float', usage: 'a float' },
});

test('-name value, -name=value and --name forms with typed values', () => {
  const { values, args, set } = entryCreate.parse([
    '-spiffeID', 'spiffe://example.org/w', '--parentID=spiffe://example.org/a', '-selector', 'unix:uid:0',
    '-selector=unix:gid:0', '-x509SVIDTTL', '0x10', '-admin', '-expiredFor', '1h30m', '-ratio=2.5', 'rest', '-ttl', '5',
  ]);
  const ttl: number = values.ttl;
  const selectors: string[] = values.selector;
  const admin: boolean = values.admin;
  assert.equal(values.spiffeID, 'spiffe://example.org/w');
  assert.equal(values.parentID, 'spiffe://example.org/a');
  assert.deepEqual(selectors, ['unix:uid:0', 'unix:gid:0']);
  assert.equal(values.x509SVIDTTL, 16);
  assert.equal(admin, true);
  assert.equal(values.expiredFor, 5_400_000);
  assert.equal(values.ratio, 2.5);
  assert.equal(ttl, 600, 'parsing stopped before -ttl');
  assert.equal(values.socketPath, '/tmp/spire-server/private/api.sock');
  assert.deepEqual(args, ['rest', '-ttl', '5']);
  assert.deepEqual([...set].sort(), ['admin', 'expiredFor', 'parentID', 'ratio', 'selector', 'spiffeID', 'x509SVIDTTL']);
});

test('bool flags never take the next argument; -b=false works', () => {
  const flags = defineFlags({ admin: { kind: 'bool', default: true }, name: { kind: 'string' } });
  assert.deepEqual(flags.parse(['-admin', 'false']).args, ['false']);
  assert.equal(flags.parse(['-admin=false']).values.admin, false);
  assert.equal(flags.parse(['-admin=0', '-admin=T']).values.admin, true);
  assert.equal(flags.parse([]).values.admin, true);
  // A non-bool flag takes the next argument even if it looks like a flag, as in Go.
  assert.equal(flags.parse(['-name', '-admin']).values.name, '-admin');
  assert.equal(flags.parse(['-name=']).values.name, '');
});

test('parsing stops at --, at a lone -, and case matters', () => {
  const flags = defineFlags({ spiffeID: { kind: 'string' } });
  assert.deepEqual(flags.parse(['-spiffeID', 'x', '--', '-spiffeID', 'y']).args, ['-spiffeID', 'y']);
  assert.deepEqual(flags.parse(['-', '-spiffeID', 'y']).args, ['-', '-spiffeID', 'y']);
  assert.throws(() => flags.parse(['-spiffeid', 'x']), /^TspireError: flag provided but not defined: -spiffeid$/m);
});

test('a list flag given explicitly replaces its default, then appends', () => {
  const flags = defineFlags({ dns: { kind: 'stringList', default: ['a'] } });
  assert.deepEqual(flags.parse([]).values.dns, ['a']);
  assert.deepEqual(flags.parse(['-dns', 'b', '-dns', 'c']).values.dns, ['b', 'c']);
  // Parsing twice does not share state.
  assert.deepEqual(flags.parse([]).values.dns, ['a']);
});

test('errors read as Go prints them and carry registry codes', () => {
  const cases: [string[], string, string][] = [
    [['-foo'], 'flag provided but not defined: -foo', 'ERR_CONFIG_FLAG_UNDEFINED'],
    [['--foo=1'], 'flag provided but not defined: -foo', 'ERR_CONFIG_FLAG_UNDEFINED'],
    [['-ttl'], 'flag needs an argument: -ttl', 'ERR_CONFIG_FLAG_NEEDS_ARGUMENT'],
    [['-ttl', 'x'], 'invalid value "x" for flag -ttl: parse error', 'ERR_CONFIG_FLAG_INVALID_VALUE'],
    [['-ttl=1.5'], 'invalid value "1.5" for flag -ttl: parse error', 'ERR_CONFIG_FLAG_INVALID_VALUE'],
    [['-ttl', '99999999999999999999'], 'invalid value "99999999999999999999" for flag -ttl: value out of range', 'ERR_CONFIG_FLAG_INVALID_VALUE'],
    [['-expiredFor', '1d'], 'invalid value "1d" for flag -expiredFor: parse error', 'ERR_CONFIG_FLAG_INVALID_VALUE'],
    [['-admin=yes'], 'invalid boolean value "yes" for -admin: parse error', 'ERR_CONFIG_FLAG_INVALID_VALUE'],
    [['---admin'], 'bad flag syntax: ---admin', 'ERR_CONFIG_FLAG_SYNTAX'],
    [['-=x'], 'bad flag syntax: -=x', 'ERR_CONFIG_FLAG_SYNTAX'],
  ];
  for (const [argv, message, code] of cases) {
    assert.throws(() => entryCreate.parse(argv), (err: unknown) => isTspireError(err) && err.message === message && err.code === code, argv.join(' '));
  }
});

test('-h and -help request help unless the command defines them', () => {
  for (const argv of [['-h'], ['-help'], ['--help'], ['-ttl', '1', '-h']]) {
    assert.throws(() => entryCreate.parse(argv), (err: unknown) => err instanceof HelpRequested && err.code === 'ERR_CONFIG_FLAG_HELP');
  }
  const withH = defineFlags({ h: { kind: 'string' } });
  assert.equal(withH.parse(['-h', 'host']).values.h, 'host');
});

test("usage() matches Go's PrintDefaults layout", () => {
  const flags = defineFlags({
    x509SVIDTTL: { kind: 'int', usage: 'The lifetime, in seconds' },
    admin: { kind: 'bool', usage: 'If set, grant admin' },
    v: { kind: 'bool', usage: 'verbose' },
    ttl: { kind: 'int', default: 600, usage: 'TTL' },
    socketPath: { kind: 'string', default: '/tmp/api.sock', usage: 'Path to the SPIRE Server API `socket`' },
    selector: { kind: 'stringList', usage: 'A selector.\nCan be used more than once' },
    expiredFor: { kind: 'duration', default: '720h', usage: 'Amount of time' },
    yes: { kind: 'bool', default: true, usage: 'confirm' },
    output: { kind: 'string', usage: 'Desired output format (pretty, json)' },
  });
  assert.equal(
    flags.usage(),
    [
      '  -admin\n    \tIf set, grant admin\n',
      '  -expiredFor duration\n    \tAmount of time (default 720h0m0s)\n',
      '  -output string\n    \tDesired output format (pretty, json)\n',
      '  -selector value\n    \tA selector.\n    \tCan be used more than once\n',
      '  -socketPath socket\n    \tPath to the SPIRE Server API socket (default "/tmp/api.sock")\n',
      '  -ttl int\n    \tTTL (default 600)\n',
      '  -v\tverbose\n',
      '  -x509SVIDTTL int\n    \tThe lifetime, in seconds\n',
      '  -yes\n    \tconfirm (default true)\n',
    ].join(''),
  );
});

test('bad flag names are rejected when defined', () => {
  assert.throws(() => defineFlags({ '-x': { kind: 'bool' } }), /invalid flag name/);
});
