import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { SqlDatabase, SqlExecutor, SqlParam, SqlRow } from './sql-executor.js';

/** Where a SQLite database lives. */
export interface SqliteDatabaseOptions {
  /** Database file (WAL mode; its directory is created), or `:memory:`. */
  readonly path: string;
}

/**
 * A node:sqlite connection. Transactions are `BEGIN IMMEDIATE` (one writer, also across processes
 * sharing the file) and, like every statement, run one at a time on the connection: a transaction
 * body awaits between statements, so others wait their turn and never see half a transaction.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  readonly db: SqlExecutor;
  private readonly connection: DatabaseSync;
  private readonly raw: SqlExecutor;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: SqliteDatabaseOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.connection = new DatabaseSync(options.path, { timeout: 5_000 });
    if (options.path !== ':memory:') this.connection.exec('PRAGMA journal_mode = WAL');
    this.connection.exec('PRAGMA synchronous = NORMAL');
    this.raw = executor(this.connection);
    this.db = {
      rows: (sql, params) => this.serialized(() => this.raw.rows(sql, params)),
      run: (sql, params) => this.serialized(() => this.raw.run(sql, params)),
    };
  }

  async transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      this.connection.exec('BEGIN IMMEDIATE');
      try {
        const result = await body(this.raw);
        this.connection.exec('COMMIT');
        return result;
      } catch (error) {
        this.connection.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async exec(sql: string): Promise<void> {
    await this.serialized(async () => this.connection.exec(sql));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.connection.close();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function executor(connection: DatabaseSync): SqlExecutor {
  const bind = (params: readonly SqlParam[]): SQLInputValue[] =>
    params.map((param) => {
      if (Array.isArray(param)) throw new Error('SQLite statements take no array parameters');
      return param as SQLInputValue;
    });
  return {
    rows: async (sql, params = []): Promise<SqlRow[]> => connection.prepare(sql).all(...bind(params)),
    run: async (sql, params = []) => Number(connection.prepare(sql).run(...bind(params)).changes),
  };
}
