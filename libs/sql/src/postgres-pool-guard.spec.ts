import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPostgresUnavailable } from './postgres-pool-guard.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

void describe('isPostgresUnavailable', () => {
  void it('is true for a server that shuts down, restarts, or cannot be reached', () => {
    assert.equal(
      isPostgresUnavailable(withCode('terminating connection due to administrator command', '57P01')),
      true,
    );
    assert.equal(isPostgresUnavailable(withCode('the database system is starting up', '57P03')), true);
    assert.equal(isPostgresUnavailable(withCode('connection failure', '08006')), true);
    assert.equal(
      isPostgresUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')),
      true,
    );
    assert.equal(isPostgresUnavailable(new Error('Connection terminated unexpectedly')), true);
  });

  void it('is false for statements the server refused', () => {
    assert.equal(
      isPostgresUnavailable(withCode('duplicate key value violates unique constraint', '23505')),
      false,
    );
    assert.equal(isPostgresUnavailable(withCode('syntax error at or near "SELEC"', '42601')), false);
    assert.equal(isPostgresUnavailable('ECONNREFUSED'), false);
  });
});
