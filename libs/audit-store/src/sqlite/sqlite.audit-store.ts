import { SqliteDatabase } from '@cairn/sql';
import { SqlAuditStore } from '../sql/sql.audit-store.js';
import type { AuditTables, SqlExecutor } from '../sql/sql-executor.js';

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
  private readonly database: SqliteDatabase;

  constructor(options: SqliteAuditStoreOptions) {
    super();
    this.database = new SqliteDatabase({ path: options.path });
    this.db = this.database.db;
  }

  async migrate(): Promise<void> {
    await this.database.exec(SCHEMA);
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  /** Raw SQL on the store's database, for tests that tamper with rows. */
  async exec(sql: string): Promise<void> {
    await this.database.exec(sql);
  }

  protected transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.database.transaction(body);
  }
}
