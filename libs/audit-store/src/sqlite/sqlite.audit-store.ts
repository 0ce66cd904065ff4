import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { SqlAuditStore } from '../sql/sql.audit-store.js';
import type { AuditTables, SqlExecutor, SqlParam, SqlRow } from '../sql/sql-executor.js';

/** Where the SQLite store keeps its data. */
export interface SqliteAuditStoreOptions {
  /** Database file (WAL mode), or `:memory:`. */
  readonly path: string;
}

const TABLES: AuditTables = {
  records: 'audit_records',
  subjects: 'audit_subjects',
  payloads: 'audit_payloads',
  heads: 'audit_heads',
  checkpoints: 'audit_checkpoints',
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_records (
  tenant TEXT NOT NULL, sequence INTEGER NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
  topic TEXT NOT NULL, principal TEXT NOT NULL, occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
  trace_id TEXT NOT NULL, request_id TEXT NOT NULL, subjects TEXT NOT NULL,
  payload_digest BLOB NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL,
  payload_erased INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, sequence), UNIQUE (tenant, event_id));
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (tenant, occurred_at);
CREATE INDEX IF NOT EXISTS audit_records_trace ON audit_records (tenant, trace_id);
CREATE INDEX IF NOT EXISTS audit_records_request ON audit_records (tenant, request_id);
CREATE TABLE IF NOT EXISTS audit_subjects (
  tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, sequence INTEGER NOT NULL,
  PRIMARY KEY (tenant, kind, id, sequence));
CREATE TABLE IF NOT EXISTS audit_payloads (
  tenant TEXT NOT NULL, sequence INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (tenant, sequence));
CREATE TABLE IF NOT EXISTS audit_heads (tenant TEXT PRIMARY KEY, sequence INTEGER NOT NULL, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  tenant TEXT NOT NULL, sequence INTEGER NOT NULL, hash BLOB NOT NULL, record_id TEXT NOT NULL,
  algorithm TEXT NOT NULL, key_id TEXT NOT NULL, signature BLOB NOT NULL, signed_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, sequence));
`;

/**
 * AuditStore on node:sqlite. Transactions are `BEGIN IMMEDIATE` (one writer, also across processes
 * sharing the file) and run one at a time on the connection.
 */
export class SqliteAuditStore extends SqlAuditStore {
  protected readonly backend = 'sqlite';
  protected readonly t = TABLES;
  protected readonly lockClause = '';
  protected readonly db: SqlExecutor;
  private readonly connection: DatabaseSync;
  private readonly raw: SqlExecutor;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: SqliteAuditStoreOptions) {
    super();
    this.connection = new DatabaseSync(options.path, { timeout: 5_000 });
    if (options.path !== ':memory:') this.connection.exec('PRAGMA journal_mode = WAL');
    this.connection.exec('PRAGMA synchronous = NORMAL');
    this.raw = executor(this.connection);
    // Statements outside transactions also wait their turn, so they never see half a transaction.
    this.db = {
      rows: (sql, params) => this.serialized(() => this.raw.rows(sql, params)),
      run: (sql, params) => this.serialized(() => this.raw.run(sql, params)),
    };
  }

  async migrate(): Promise<void> {
    this.connection.exec(SCHEMA);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.connection.close();
  }

  /** Raw SQL on the store's database, for tests that tamper with rows. */
  exec(sql: string): void {
    this.connection.exec(sql);
  }

  protected async transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
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

  // The transaction body awaits between statements: work on the one connection runs in turn.
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
