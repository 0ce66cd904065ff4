import type pg from 'pg';
import { DocumentRegistryError } from '../document-registry.port.js';

/**
 * Runs `body` in one transaction on a pooled client: COMMIT on success, ROLLBACK on error.
 * A client whose ROLLBACK fails is dropped from the pool, and both errors are reported (only the
 * first when the connection was lost).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  body: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      // A lost connection fails the ROLLBACK too (the server rolls back on its own): the first
      // error says what happened, and keeps its UNAVAILABLE code for the caller.
      if (err instanceof DocumentRegistryError && err.code === 'UNAVAILABLE') throw err;
      throw new AggregateError([err, broken], 'registry transaction failed and could not be rolled back');
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
