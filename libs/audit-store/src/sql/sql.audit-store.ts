import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AuditRecordSchema, type AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import { GENESIS_HASH, payloadDigest, recordHash, recordId, sortSubjects } from '../audit-chain.js';
import {
  type AppendResult,
  type AuditEntry,
  type AuditPage,
  type AuditPageRequest,
  type AuditQuery,
  type AuditStore,
  AuditStoreError,
  type AuditStoreHealth,
  type Checkpoint,
  type ErasureScope,
  MAX_AUDIT_PAGE,
  type Subject,
  type TenantHead,
} from '../audit-store.port.js';
import { encodeSubjects, RECORD_COLUMNS, toAuditRecord, toCheckpoint } from './audit-rows.js';
import {
  bytesColumn,
  intColumn,
  textColumn,
  type AuditTables,
  type SqlExecutor,
  type SqlRow,
  type SqlValue,
} from './sql-executor.js';

/** What `writeRecord` writes: the record's column values (in `RECORD_COLUMNS` order), its subjects and payload. */
export interface RecordWrite {
  readonly tenant: string;
  readonly sequence: number;
  readonly values: readonly SqlValue[];
  readonly subjects: readonly Subject[];
  readonly payload: Uint8Array;
  readonly hash: Uint8Array;
}

/**
 * The audit store's logic on SQL, shared by the SQLite and PostgreSQL adapters; they supply the
 * connection, the transactions and how the tenant's head row is locked. An append locks the head,
 * so one tenant's appends serialize (sequence without gaps) while other tenants' proceed.
 */
export abstract class SqlAuditStore implements AuditStore {
  protected abstract readonly backend: AuditStoreHealth['backend'];
  protected abstract readonly t: AuditTables;
  /** Statements outside a transaction. */
  protected abstract readonly db: SqlExecutor;
  /** `SELECT … FOR UPDATE` suffix of the head read ('' where the transaction already excludes others). */
  protected abstract readonly lockClause: string;

  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;
  /** Runs `body` in one transaction: committed when it resolves, rolled back when it throws. */
  protected abstract transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T>;

  async append(entry: AuditEntry): Promise<AppendResult> {
    const [result] = await this.appendBatch([entry]);
    if (result === undefined) throw new Error('appendBatch returned no result');
    return result;
  }

  async appendBatch(entries: readonly AuditEntry[]): Promise<AppendResult[]> {
    entries.forEach(validateEntry);
    if (entries.length === 0) return [];
    const byTenant = new Map<string, number[]>();
    entries.forEach((entry, i) => byTenant.set(entry.tenant, [...(byTenant.get(entry.tenant) ?? []), i]));
    return this.transaction(async (tx) => {
      const results: AppendResult[] = [];
      // Heads are locked in tenant order, so two batches never wait for each other's locks in a cycle.
      for (const tenant of [...byTenant.keys()].sort()) {
        const indexes = byTenant.get(tenant) ?? [];
        const head = await this.lockHead(tx, tenant);
        const known = await this.recordsByEventId(
          tx,
          tenant,
          indexes.map((i) => entries[i]?.eventId ?? ''),
        );
        const writes: RecordWrite[] = [];
        let sequence = intColumn(head, 'sequence');
        let prevHash = bytesColumn(head, 'hash') ?? GENESIS_HASH;
        for (const i of indexes) {
          const entry = entries[i];
          if (entry === undefined) continue;
          const existing = known.get(entry.eventId);
          if (existing !== undefined) {
            results[i] = { record: existing, appended: false };
            continue;
          }
          sequence++;
          const { record, write } = recordOf(entry, sequence, prevHash);
          writes.push(write);
          known.set(entry.eventId, record);
          prevHash = record.hash;
          results[i] = { record, appended: true };
        }
        await this.writeRecords(tx, writes);
      }
      return results;
    });
  }

  private async recordsByEventId(
    tx: SqlExecutor,
    tenant: string,
    eventIds: readonly string[],
  ): Promise<Map<string, AuditRecord>> {
    const unique = [...new Set(eventIds)];
    const rows = await tx.rows(
      `SELECT r.* FROM ${this.t.records} r WHERE r.tenant = ? AND r.event_id IN (${unique.map(() => '?').join(', ')})`,
      [tenant, ...unique],
    );
    return new Map(rows.map((row) => [textColumn(row, 'event_id'), toAuditRecord(row, false)]));
  }

  /**
   * Creates the tenant's head row if missing and locks it for the rest of the transaction; returns
   * its `sequence` and `hash`. Two statements here; an adapter may do it in one.
   */
  protected async lockHead(tx: SqlExecutor, tenant: string): Promise<SqlRow> {
    const { heads } = this.t;
    await tx.run(`INSERT INTO ${heads} (tenant, sequence, hash) VALUES (?, 0, ?) ON CONFLICT DO NOTHING`, [
      tenant,
      GENESIS_HASH,
    ]);
    const [head] = await tx.rows(`SELECT sequence, hash FROM ${heads} WHERE tenant = ?${this.lockClause}`, [
      tenant,
    ]);
    if (head === undefined) throw new Error(`audit head of tenant ${tenant} vanished`);
    return head;
  }

  /** Writes new records of one tenant, in sequence order, and moves the head to the last. */
  protected async writeRecords(tx: SqlExecutor, writes: readonly RecordWrite[]): Promise<void> {
    for (const write of writes) await this.writeRecord(tx, write);
  }

  /** Writes a new record, its subjects and payload, and moves the head to it (one statement each here). */
  private async writeRecord(tx: SqlExecutor, write: RecordWrite): Promise<void> {
    const { tenant, sequence } = write;
    await tx.run(
      `INSERT INTO ${this.t.records} (${RECORD_COLUMNS.join(', ')}, payload_erased)
       VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')}, 0)`,
      write.values,
    );
    for (const subject of write.subjects)
      await tx.run(`INSERT INTO ${this.t.subjects} (tenant, kind, id, sequence) VALUES (?, ?, ?, ?)`, [
        tenant,
        subject.kind,
        subject.id,
        sequence,
      ]);
    await tx.run(`INSERT INTO ${this.t.payloads} (tenant, sequence, payload) VALUES (?, ?, ?)`, [
      tenant,
      sequence,
      write.payload,
    ]);
    await tx.run(`UPDATE ${this.t.heads} SET sequence = ?, hash = ? WHERE tenant = ?`, [
      sequence,
      write.hash,
      tenant,
    ]);
  }

  async query(tenant: string, query: AuditQuery, page: AuditPageRequest): Promise<AuditPage> {
    requireTenant(tenant);
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_AUDIT_PAGE)
      throw new AuditStoreError(`limit must be an integer in 1..${MAX_AUDIT_PAGE}, got ${page.limit}`);
    const { clause, params } = this.where(tenant, query);
    if (page.after !== undefined) {
      clause.push(page.descending ? 'r.sequence < ?' : 'r.sequence > ?');
      params.push(page.after);
    }
    const payload = page.includePayload
      ? `p.payload FROM ${this.t.records} r LEFT JOIN ${this.t.payloads} p ON p.tenant = r.tenant AND p.sequence = r.sequence`
      : `NULL AS payload FROM ${this.t.records} r`;
    const rows = await this.db.rows(
      `SELECT r.*, ${payload} WHERE ${clause.join(' AND ')}
       ORDER BY r.sequence ${page.descending ? 'DESC' : 'ASC'} LIMIT ?`,
      [...params, page.limit + 1],
    );
    return {
      records: rows.slice(0, page.limit).map((row) => toAuditRecord(row, page.includePayload === true)),
      more: rows.length > page.limit,
    };
  }

  async head(tenant: string): Promise<TenantHead | undefined> {
    requireTenant(tenant);
    return (await this.readHeads('h.tenant = ? AND', [tenant]))[0];
  }

  async heads(): Promise<TenantHead[]> {
    return this.readHeads('', []);
  }

  async erasePayloads(tenant: string, scope: ErasureScope): Promise<number> {
    requireTenant(tenant);
    const clause = ['r.tenant = ?', 'r.payload_erased = 0'];
    const params: SqlValue[] = [tenant];
    if (scope.upToSequence !== undefined) {
      clause.push('r.sequence <= ?');
      params.push(scope.upToSequence);
    }
    if (scope.subjects !== undefined) {
      const subjects = scope.subjects.filter((s) => s.id !== '');
      if (subjects.length === 0) return 0;
      clause.push(
        `EXISTS (SELECT 1 FROM ${this.t.subjects} s WHERE s.tenant = r.tenant AND s.sequence = r.sequence AND (${subjects
          .map(() => '(s.kind = ? AND s.id = ?)')
          .join(' OR ')}))`,
      );
      params.push(...subjects.flatMap((s) => [s.kind, s.id]));
    }
    const selected = `SELECT r.sequence FROM ${this.t.records} r WHERE ${clause.join(' AND ')}`;
    return this.transaction(async (tx) => {
      await tx.run(`DELETE FROM ${this.t.payloads} WHERE tenant = ? AND sequence IN (${selected})`, [
        tenant,
        ...params,
      ]);
      return tx.run(
        `UPDATE ${this.t.records} SET payload_erased = 1 WHERE tenant = ? AND sequence IN (${selected})`,
        [tenant, ...params],
      );
    });
  }

  async addCheckpoint(checkpoint: Checkpoint): Promise<void> {
    requireTenant(checkpoint.tenant);
    await this.db.run(
      `INSERT INTO ${this.t.checkpoints} (tenant, sequence, hash, record_id, algorithm, key_id, signature, signed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        checkpoint.tenant,
        checkpoint.sequence,
        checkpoint.hash,
        checkpoint.recordId,
        checkpoint.algorithm,
        checkpoint.keyId,
        checkpoint.signature,
        checkpoint.signedAt.getTime(),
      ],
    );
  }

  async checkpoints(tenant: string, fromSequence: number, toSequence: number): Promise<Checkpoint[]> {
    requireTenant(tenant);
    const rows = await this.db.rows(
      `SELECT * FROM ${this.t.checkpoints} WHERE tenant = ? AND sequence >= ? AND sequence <= ? ORDER BY sequence`,
      [tenant, fromSequence, Math.min(toSequence, Number.MAX_SAFE_INTEGER)],
    );
    return rows.map(toCheckpoint);
  }

  async health(): Promise<AuditStoreHealth> {
    try {
      await this.db.rows('SELECT 1 AS ok');
      return { ok: true, backend: this.backend };
    } catch (error) {
      return {
        ok: false,
        backend: this.backend,
        detail: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private async readHeads(condition: string, params: SqlValue[]): Promise<TenantHead[]> {
    const rows = await this.db.rows(
      `SELECT h.tenant, h.sequence, h.hash,
         COALESCE((SELECT MAX(c.sequence) FROM ${this.t.checkpoints} c WHERE c.tenant = h.tenant), 0) AS checkpoint_sequence
       FROM ${this.t.heads} h WHERE ${condition} h.sequence > 0 ORDER BY h.tenant`,
      params,
    );
    return rows.map((row) => ({
      tenant: textColumn(row, 'tenant'),
      sequence: intColumn(row, 'sequence'),
      hash: bytesColumn(row, 'hash') ?? GENESIS_HASH,
      checkpointSequence: intColumn(row, 'checkpoint_sequence'),
    }));
  }

  private where(tenant: string, query: AuditQuery): { clause: string[]; params: SqlValue[] } {
    const clause = ['r.tenant = ?'];
    const params: SqlValue[] = [tenant];
    const equals = (column: string, value: string | undefined): void => {
      if (value === undefined || value === '') return;
      clause.push(`r.${column} = ?`);
      params.push(value);
    };
    const bound = (condition: string, value: number | undefined): void => {
      if (value === undefined) return;
      clause.push(condition);
      params.push(value);
    };
    if (query.eventTypes !== undefined && query.eventTypes.length > 0) {
      clause.push(`r.event_type IN (${query.eventTypes.map(() => '?').join(', ')})`);
      params.push(...query.eventTypes);
    }
    equals('principal', query.principal);
    equals('trace_id', query.traceId);
    equals('request_id', query.requestId);
    bound('r.occurred_at >= ?', query.startTime?.getTime());
    bound('r.occurred_at < ?', query.endTime?.getTime());
    bound('r.sequence >= ?', query.fromSequence);
    bound('r.sequence <= ?', query.toSequence);
    if (query.subject !== undefined) {
      clause.push(
        `EXISTS (SELECT 1 FROM ${this.t.subjects} s WHERE s.tenant = r.tenant AND s.kind = ? AND s.id = ? AND s.sequence = r.sequence)`,
      );
      params.push(query.subject.kind, query.subject.id);
    }
    return { clause, params };
  }
}

function requireTenant(tenant: string): void {
  if (typeof tenant !== 'string' || tenant === '') throw new AuditStoreError('tenant is required');
}

function validateEntry(entry: AuditEntry): void {
  requireTenant(entry.tenant);
  if (entry.eventId === '') throw new AuditStoreError('eventId is required');
  if (entry.eventType === '') throw new AuditStoreError('eventType is required');
  if (Number.isNaN(entry.occurredAt.getTime())) throw new AuditStoreError('occurredAt is not a valid time');
  entry.subjects.forEach((subject: Subject, i) => {
    if (subject.kind === '' || subject.id === '')
      throw new AuditStoreError(`subjects[${i}] needs a kind and an id`);
  });
}

/** The record of an entry at `sequence` after `prevHash`, and what to write for it. */
function recordOf(
  entry: AuditEntry,
  sequence: number,
  prevHash: Uint8Array,
): { record: AuditRecord; write: RecordWrite } {
  const subjects = sortSubjects(entry.subjects);
  const digest = payloadDigest(entry.payload);
  const recordedAt = Date.now();
  const record = create(AuditRecordSchema, {
    id: recordId(entry.tenant, sequence),
    tenant: entry.tenant,
    sequence: BigInt(sequence),
    principal: entry.principal,
    eventType: entry.eventType,
    topic: entry.topic,
    subjects,
    occurredAt: timestampFromMs(entry.occurredAt.getTime()),
    recordedAt: timestampFromMs(recordedAt),
    traceId: entry.traceId,
    requestId: entry.requestId,
    eventId: entry.eventId,
    payloadDigest: digest,
    prevHash,
  });
  record.hash = recordHash(record);
  const values: SqlValue[] = [
    entry.tenant,
    sequence,
    entry.eventId,
    entry.eventType,
    entry.topic,
    entry.principal,
    entry.occurredAt.getTime(),
    recordedAt,
    entry.traceId,
    entry.requestId,
    encodeSubjects(subjects),
    digest,
    record.prevHash,
    record.hash,
  ];
  return {
    record,
    write: { tenant: entry.tenant, sequence, values, subjects, payload: entry.payload, hash: record.hash },
  };
}
