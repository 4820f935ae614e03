import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../config-error.js';
import { decodeDaemonConfig, readConfigFile } from './config-file.js';
import { pluginSchema } from './shared-sections.js';
import { labelledBlocks, mapOf } from '../schema.js';
import { distinctPlugins, exactlyOnePlugin, type PluginCatalog } from './plugin-decls.js';

const catalog: PluginCatalog = { role: 'test', supported: { KeyManager: { memory: {}, disk: { directory: 'string' } } }, unsupportedTypes: ['Notifier'] };
const schema = { plugins: mapOf(labelledBlocks(pluginSchema)) };
const decode = (text: string, readFile: (p: string) => string = () => '') => decodeDaemonConfig(text, schema, { cwd: '/etc', readFile, catalog });

test('readConfigFile: a missing file is reported in SPIRE words, relative paths resolve against cwd', () => {
  const enoent = (): string => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); };
  assert.throws(() => readConfigFile('', 'conf/x.conf', '/opt', enoent), /could not find config file \/opt\/conf\/x.conf: please use the -config flag/);
  assert.deepEqual(readConfigFile('a.conf', 'x', '/opt', (p) => `read ${p}`), { configPath: '/opt/a.conf', text: 'read /opt/a.conf' });
});

test('decodeDaemonConfig: plugins are checked against the catalog', () => {
  const { plugins } = decode('plugins { KeyManager "disk" { plugin_data { directory = "/k" } } }');
  assert.equal(exactlyOnePlugin(plugins, 'KeyManager').data['directory'], '/k');
  assert.throws(() => decode('plugins { Foo "x" {} }'), /unknown plugin type "Foo" \(test plugin types: KeyManager, Notifier\)/);
  assert.throws(() => decode('plugins { KeyManager "aws" {} }'), /KeyManager plugin "aws" is not supported by tspire \(supported: memory, disk\)/);
  assert.throws(() => decode('plugins { Notifier "k8sbundle" {} }'), /plugin type Notifier "k8sbundle" is not supported/);
  assert.throws(() => decode('plugins { KeyManager "disk" { plugin_cmd = "/bin/x" } }'), /external plugins are not supported/);
  assert.throws(() => decode('plugins { KeyManager "disk" { plugin_data { dir = "/k" } } }'), /unknown configuration detected/);
  assert.throws(() => decode(''), (err: unknown) => err instanceof ConfigError && /plugins: section must be configured/.test(err.message));
});

test('decodeDaemonConfig: disabled unsupported plugins are warnings; plugin_data_file is read', () => {
  const { plugins, ctx } = decode('plugins { Notifier "k8sbundle" { enabled = false }\nKeyManager "disk" { plugin_data_file = "km.hcl" } }', (p) => {
    assert.equal(p, '/etc/km.hcl');
    return 'directory = "/from/file"';
  });
  assert.equal(plugins.length, 1);
  assert.equal(plugins[0]?.data['directory'], '/from/file');
  assert.match(ctx.warnings[0] ?? '', /disabled \(enabled = false\), ignored/);
});

test('exactlyOnePlugin and distinctPlugins name what they found', () => {
  const { plugins } = decode('plugins { KeyManager "disk" { plugin_data { directory = "/k" } }\nKeyManager "memory" {} }');
  assert.throws(() => exactlyOnePlugin(plugins, 'KeyManager'), /exactly one KeyManager plugin must be configured, found 2: "disk", "memory"/);
  assert.throws(() => exactlyOnePlugin(plugins, 'DataStore'), /found none/);
  const twice = decode('plugins { KeyManager "memory" {}\nKeyManager "memory" {} }').plugins;
  assert.throws(() => distinctPlugins(twice, 'KeyManager'), /KeyManager "memory" is configured more than once/);
});
