import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@tspire/common';
import { AGENT_PATH_FIELDS, DEFAULT_AGENT_PATH_TEMPLATE, parseAgentPathTemplate, type AgentPathData } from './agent-path-template.js';
import { sanSelectorPairs, serialNumberHex } from './selectors.js';

const CONFIG_PATH = 'plugins.NodeAttestor.x509pop.plugin_data.agent_path_template';
const DATA: AgentPathData = {
  PluginName: 'x509pop', Fingerprint: 'ab12', TrustDomain: 'example.org', 'Subject.CommonName': 'node-1',
  'Subject.SerialNumber': 'SN-1', SerialNumberHex: '0a', SVIDPathTrimmed: 'host/a',
};
const render = (source: string) => parseAgentPathTemplate(source, { configPath: CONFIG_PATH }).render(DATA);

describe('agent_path_template', () => {
  it('renders text and every supported field', () => {
    assert.equal(render(DEFAULT_AGENT_PATH_TEMPLATE), '/x509pop/ab12');
    assert.equal(render('{{ .PluginName}}/{{.Fingerprint}}'), 'x509pop/ab12');
    assert.equal(render(AGENT_PATH_FIELDS.map((f) => `{{ .${f} }}`).join('|')), 'x509pop|ab12|example.org|node-1|SN-1|0a|host/a');
    assert.equal(render('no actions'), 'no actions');
    assert.equal(render('/a/{{/* a comment */}}b'), '/a/b');
    assert.deepEqual(parseAgentPathTemplate('/{{ .TrustDomain }}/{{ .Fingerprint }}', { configPath: CONFIG_PATH }).fields, ['TrustDomain', 'Fingerprint']);
  });

  it('honours the {{- and -}} trim markers as Go does', () => {
    assert.equal(render('/a \n {{- .PluginName -}} \t /b'), '/ax509pop/b');
    assert.equal(render('/a {{ .PluginName }} b'), '/a x509pop b');
    assert.throws(() => render('/a {{-3}}'), /unsupported action \{\{ -3 \}\}/);
  });

  it('refuses what the subset does not support, naming the key and the template', () => {
    const cases: [string, RegExp][] = [
      ['/{{ .Nope }}', /unknown field \.Nope; supported: \.PluginName, \.Fingerprint/],
      ['/{{ .PluginName | lower }}', /pipelines and functions are not supported: \{\{ \.PluginName \| lower \}\}/],
      ['/{{ printf "%s" .PluginName }}', /unsupported action \{\{ printf "%s" \.PluginName \}\}/],
      ['/{{ if .PluginName }}x{{ end }}', /unsupported action \{\{ if \.PluginName \}\}/],
      ['/{{ $x := 1 }}', /unsupported action/],
      ['/{{ }}', /empty action/],
      ['/{{ .PluginName', /unclosed action starting at offset 1/],
    ];
    for (const [source, reason] of cases) {
      assert.throws(() => render(source), (err: unknown) => {
        assert.ok(err instanceof ConfigError, source);
        assert.ok(err.message.startsWith(`${CONFIG_PATH}: agent path template ${JSON.stringify(source)}: `), err.message);
        assert.match(err.message, reason);
        return true;
      });
    }
    assert.throws(
      () => parseAgentPathTemplate('/{{ .SVIDPathTrimmed }}', { configPath: CONFIG_PATH, allowedFields: ['PluginName'] }),
      /field \.SVIDPathTrimmed is not available in this mode; supported: \.PluginName/,
    );
  });
});

describe('x509pop selector helpers', () => {
  it('formats serial numbers as even-length lowercase hex', () => {
    assert.equal(serialNumberHex(Uint8Array.of(0x00, 0xff)), 'ff');
    assert.equal(serialNumberHex(Uint8Array.of(0x05)), '05');
    assert.equal(serialNumberHex(Uint8Array.of(0x0a, 0x1b, 0x2c)), '0a1b2c');
    assert.equal(serialNumberHex(Uint8Array.of(0x00)), '00');
  });

  it('reads x509pop://<td>/<key>/<value> URI SANs of this trust domain only', () => {
    const skipped: string[] = [];
    const pairs = sanSelectorPairs([
      'x509pop://example.org/dc/us-east-1', 'x509pop://example.org/rack/r1/u3', 'x509pop://example.org/dc/eu-west-1',
      'x509pop://example.org/lonely', 'x509pop://other.org/a/b', 'spiffe://example.org/a/b', 'x509pop://example.org/k/v%20w?q=1',
    ], 'example.org', (uri) => skipped.push(uri));
    assert.deepEqual([...pairs], [['dc', 'eu-west-1'], ['rack', 'r1/u3'], ['k', 'v w']]);
    assert.deepEqual(skipped, ['x509pop://example.org/lonely']);
  });
});
