import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONNECT_TIMEOUT_MS, parsePostgresTarget } from './postgres.js';

const timeoutOf = (connectionString: string) => parsePostgresTarget(connectionString).config.connectionTimeoutMillis;

describe('postgres connect timeout', () => {
  it('bounds connecting by default for URLs and key=value strings', () => {
    assert.equal(DEFAULT_CONNECT_TIMEOUT_MS, 10_000);
    assert.equal(timeoutOf('postgres://u:p@db.internal/spire'), 10_000);
    assert.equal(timeoutOf('postgresql://u@db/spire?sslmode=disable'), 10_000);
    assert.equal(timeoutOf('dbname=spire host=db'), 10_000);
  });

  it('honours connect_timeout in seconds, 0 meaning no timeout (as libpq)', () => {
    assert.equal(timeoutOf('postgres://u@db/spire?connect_timeout=3'), 3000);
    assert.equal(timeoutOf('postgres://u@db/spire?connect_timeout=0'), 0);
    assert.equal(timeoutOf('dbname=spire connect_timeout=25'), 25_000);
    assert.equal(timeoutOf('dbname=spire connect_timeout=0'), 0);
  });

  it('rejects a connect_timeout that is not whole seconds', () => {
    assert.throws(() => parsePostgresTarget('dbname=spire connect_timeout=soon'), /connect_timeout must be whole seconds, got "soon"/);
    assert.throws(() => parsePostgresTarget('postgres://u@db/spire?connect_timeout=-1'), /connect_timeout must be whole seconds, got "-1"/);
    assert.throws(() => parsePostgresTarget('dbname=spire connect_timeout=1.5'), /connect_timeout must be whole seconds/);
  });
});
