import pg from 'pg';
import { guardPostgresPool } from './postgres-pool-guard.js';
import type { SqlDatabase, SqlExecutor, SqlParam, SqlRow, SqlValue } from './sql-executor.js';

/** How to connect to PostgreSQL. */
export interface PostgresDatabaseOptions {
  readonly url: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /**
   * The store's own error for a statement that failed because the server cannot be reached or dropped
   * the connection (restart, failover): what callers see, so they can answer UNAVAILABLE and retry.
   * A connection that dies never crashes the process (see {@link guardPostgresPool}).
   */
  readonly unavailable?: (error: Error) => Error;
}

/** A PostgreSQL connection pool; statements use `?` placeholders like the SQLite adapter's. */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres';
  readonly db: SqlExecutor;
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(options: PostgresDatabaseOptions) {
    if (options.url === '') throw new Error('PostgresDatabase needs a url');
    this.pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    guardPostgresPool(this.pool, options.unavailable ?? ((error) => error));
    this.db = executor(this.pool);
  }

  async transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await body(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs migration statements in one transaction under an advisory lock named `lockName`, so that
   * processes starting together do not race on `CREATE … IF NOT EXISTS`.
   */
  async migrate(lockName: string, statements: readonly string[]): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [lockName]);
      for (const sql of statements) await tx.run(sql);
    });
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** `?` placeholders become `$1, $2, …`; bytes are passed as Buffers (bytea). */
function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  const bytea = (p: SqlValue) =>
    p instanceof Uint8Array ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p;
  const prepare = (sql: string, params: readonly SqlParam[]): [string, unknown[]] => {
    let n = 0;
    return [
      sql.replace(/\?/g, () => `$${++n}`),
      params.map((p) => (Array.isArray(p) ? p.map(bytea) : bytea(p as SqlValue))),
    ];
  };
  return {
    rows: async (sql, params = []) => (await client.query<SqlRow>(...prepare(sql, params))).rows,
    run: async (sql, params = []) => (await client.query(...prepare(sql, params))).rowCount ?? 0,
  };
}
