import { PostgresDatabase, sqlIdentifier } from '@cairn/sql';
import { GENESIS_HASH } from '../audit-chain.js';
import { AuditStoreError } from '../audit-store.port.js';
import { RECORD_COLUMNS } from '../sql/audit-rows.js';
import { SqlAuditStore, type RecordWrite } from '../sql/sql.audit-store.js';
import type { AuditTables, SqlExecutor, SqlRow, SqlValue } from '../sql/sql-executor.js';

/** How the PostgreSQL store connects and where its tables live. */
export interface PostgresAuditStoreOptions {
  readonly url: string;
  /** Schema holding the tables (created by `migrate()`); default `cairn_audit`. Tests use one each. */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

/** PostgreSQL types of `RECORD_COLUMNS`, in order. */
const RECORD_TYPES = [
  'text',
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'bigint',
  'bigint',
  'text',
  'text',
  'text',
  'bytea',
  'bytea',
  'bytea',
] as const;

function tablesIn(schema: string): AuditTables {
  try {
    sqlIdentifier(schema);
  } catch (error) {
    throw new AuditStoreError((error as Error).message);
  }
  return {
    records: `"${schema}".audit_records`,
    subjects: `"${schema}".audit_subjects`,
    payloads: `"${schema}".audit_payloads`,
    heads: `"${schema}".audit_heads`,
    checkpoints: `"${schema}".audit_checkpoints`,
  };
}

function schemaStatements(schema: string, t: AuditTables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS ${t.records} (
      tenant TEXT NOT NULL, sequence BIGINT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
      topic TEXT NOT NULL, principal TEXT NOT NULL, occurred_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
      trace_id TEXT NOT NULL, request_id TEXT NOT NULL, subjects TEXT NOT NULL,
      payload_digest BYTEA NOT NULL, prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL,
      payload_erased INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant, sequence), UNIQUE (tenant, event_id))`,
    `CREATE INDEX IF NOT EXISTS audit_records_time ON ${t.records} (tenant, occurred_at)`,
    `CREATE INDEX IF NOT EXISTS audit_records_trace ON ${t.records} (tenant, trace_id)`,
    `CREATE INDEX IF NOT EXISTS audit_records_request ON ${t.records} (tenant, request_id)`,
    `CREATE TABLE IF NOT EXISTS ${t.subjects} (
      tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, sequence BIGINT NOT NULL,
      PRIMARY KEY (tenant, kind, id, sequence))`,
    `CREATE TABLE IF NOT EXISTS ${t.payloads} (
      tenant TEXT NOT NULL, sequence BIGINT NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (tenant, sequence))`,
    `CREATE TABLE IF NOT EXISTS ${t.heads} (tenant TEXT PRIMARY KEY, sequence BIGINT NOT NULL, hash BYTEA NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
      tenant TEXT NOT NULL, sequence BIGINT NOT NULL, hash BYTEA NOT NULL, record_id TEXT NOT NULL,
      algorithm TEXT NOT NULL, key_id TEXT NOT NULL, signature BYTEA NOT NULL, signed_at BIGINT NOT NULL,
      PRIMARY KEY (tenant, sequence))`,
  ];
}

/**
 * AuditStore on PostgreSQL. An append locks its tenant's head row (`SELECT … FOR UPDATE`), so
 * appends of one tenant serialize across connections and processes; other tenants run in parallel.
 */
export class PostgresAuditStore extends SqlAuditStore {
  protected readonly backend = 'postgres';
  protected readonly t: AuditTables;
  protected readonly lockClause = ' FOR UPDATE';
  protected readonly db: SqlExecutor;
  private readonly database: PostgresDatabase;
  private readonly schema: string;

  constructor(options: PostgresAuditStoreOptions) {
    super();
    if (options.url === '') throw new AuditStoreError('PostgresAuditStore needs a url');
    this.schema = options.schema ?? 'cairn_audit';
    this.t = tablesIn(this.schema);
    this.database = new PostgresDatabase({
      url: options.url,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      unavailable: (error) =>
        new AuditStoreError(`PostgreSQL is unavailable: ${error.message}`, 'UNAVAILABLE'),
    });
    this.db = this.database.db;
  }

  async migrate(): Promise<void> {
    await this.database.migrate('cairn.audit-store.migrate', schemaStatements(this.schema, this.t));
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  /** Raw SQL on the store's database, for tests that tamper with rows. */
  async exec(sql: string): Promise<void> {
    await this.database.exec(sql);
  }

  /** Drops the store's schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.database.exec(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }

  // One statement: the upsert takes the row lock and returns the head as it was.
  protected override async lockHead(tx: SqlExecutor, tenant: string): Promise<SqlRow> {
    const [head] = await tx.rows(
      `INSERT INTO ${this.t.heads} (tenant, sequence, hash) VALUES (?, 0, ?)
       ON CONFLICT (tenant) DO UPDATE SET tenant = EXCLUDED.tenant RETURNING sequence, hash`,
      [tenant, GENESIS_HASH],
    );
    if (head === undefined) throw new Error(`audit head of tenant ${tenant} was not returned`);
    return head;
  }

  // One statement for all the records of a tenant's batch, their subjects and payloads, and the head.
  protected override async writeRecords(tx: SqlExecutor, writes: readonly RecordWrite[]): Promise<void> {
    const last = writes.at(-1);
    if (last === undefined) return;
    const column = (i: number): SqlValue[] => writes.map((w) => w.values[i] ?? null);
    const subjects = writes.flatMap((w) =>
      w.subjects.map((s) => [w.tenant, s.kind, s.id, w.sequence] as const),
    );
    await tx.run(
      `WITH r AS (INSERT INTO ${this.t.records} (${RECORD_COLUMNS.join(', ')}, payload_erased)
           SELECT *, 0 FROM unnest(${RECORD_TYPES.map((type) => `?::${type}[]`).join(', ')})),
         s AS (INSERT INTO ${this.t.subjects} (tenant, kind, id, sequence)
           SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[])),
         p AS (INSERT INTO ${this.t.payloads} (tenant, sequence, payload)
           SELECT * FROM unnest(?::text[], ?::bigint[], ?::bytea[]))
       UPDATE ${this.t.heads} SET sequence = ?, hash = ? WHERE tenant = ?`,
      [
        ...RECORD_COLUMNS.map((_, i) => column(i)),
        ...[0, 1, 2, 3].map((i) => subjects.map((row) => row[i] ?? null)),
        writes.map((w) => w.tenant),
        writes.map((w) => w.sequence),
        writes.map((w) => w.payload),
        last.sequence,
        last.hash,
        last.tenant,
      ],
    );
  }

  protected transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.database.transaction(body);
  }
}
