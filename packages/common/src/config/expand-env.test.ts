import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandEnv } from './expand-env.js';

const env = { PORT: '8081', TD: 'example.org', EMPTY: '', _X1: 'x', '1': 'one' };

test('$VAR and ${VAR} expand; unset variables become empty', () => {
  assert.equal(expandEnv('bind_port = $PORT', env), 'bind_port = 8081');
  assert.equal(expandEnv('trust_domain = "${TD}"', env), 'trust_domain = "example.org"');
  assert.equal(expandEnv('a=$UNSET b=${UNSET} c=$EMPTY', env), 'a= b= c=');
  assert.equal(expandEnv('$PORT$TD', env), '8081example.org');
  assert.equal(expandEnv('$_X1.$PORTx', env), 'x.');
  assert.equal(expandEnv('$1 ${1}', env), 'one one');
});

test('$$ is a literal dollar', () => {
  assert.equal(expandEnv('cost = "$$5" and $$PORT', env), 'cost = "$5" and $PORT');
});

test('Go os.Expand edge cases', () => {
  assert.equal(expandEnv('trailing $', env), 'trailing $');
  assert.equal(expandEnv('a $ b', env), 'a $ b');
  assert.equal(expandEnv('x${}y', env), 'xy');
  assert.equal(expandEnv('x${PORT', env), 'xPORT');
  assert.equal(expandEnv('${a b}', { 'a b': 'ok' }), 'ok');
  assert.equal(expandEnv('no dollars', env), 'no dollars');
});
