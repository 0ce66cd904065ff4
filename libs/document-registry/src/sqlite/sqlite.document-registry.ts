import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  type ChunkRecord,
  type DocumentPage,
  type DocumentRecord,
  type DocumentRegistry,
  DocumentRegistryError,
  type DocumentRegistryHealth,
  type ListDocumentsQuery,
  type RecordVersionInput,
  type RecordVersionResult,
  type RegistryCounts,
} from '../document-registry.port.js';
import {
  buildCounts,
  decideVersion,
  encodePageToken,
  readPageQuery,
  requireKey,
  statusEventApplies,
  validateVersionInput,
} from '../registry-support.js';
import { SQLITE_SCHEMA, type SqliteRow, toChunk, toDocument } from './sqlite-rows.js';

/** Where the SQLite registry keeps its data. */
export interface SqliteDocumentRegistryOptions {
  /** Database file (WAL mode), or `:memory:`. */
  path: string;
}

/**
 * DocumentRegistry on node:sqlite. Every call runs synchronously inside one transaction
 * (`BEGIN IMMEDIATE` for writes), so calls are atomic and serialize, also across processes sharing the file.
 */
export class SqliteDocumentRegistry implements DocumentRegistry {
  private readonly db: DatabaseSync;
  private closed = false;

  constructor(options: SqliteDocumentRegistryOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path, { timeout: 5_000 });
    if (options.path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
  }

  async migrate(): Promise<void> {
    this.db.exec(SQLITE_SCHEMA);
  }

  async get(tenant: string, documentId: string): Promise<DocumentRecord | undefined> {
    requireKey(tenant, 'tenant');
    return this.getSync(tenant, documentId);
  }

  async findByExternalId(
    tenant: string,
    collection: string,
    externalId: string,
  ): Promise<DocumentRecord | undefined> {
    requireKey(tenant, 'tenant');
    const row = this.db
      .prepare('SELECT * FROM registry_documents WHERE tenant = ? AND collection = ? AND external_id = ?')
      .get(tenant, collection, externalId);
    return row === undefined ? undefined : toDocument(row);
  }

  async list(tenant: string, query: ListDocumentsQuery): Promise<DocumentPage> {
    requireKey(tenant, 'tenant');
    const { pageSize, after } = readPageQuery(query);
    const where = ['tenant = ?', 'seq > ?'];
    const params: (string | number)[] = [tenant, after];
    if (query.collection !== undefined) {
      where.push('collection = ?');
      params.push(query.collection);
    }
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(query.status);
    } else where.push("status <> 'deleted'");
    const rows = this.db
      .prepare(`SELECT * FROM registry_documents WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...params, pageSize + 1);
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      documents: page.map(toDocument),
      nextPageToken: rows.length > pageSize && last !== undefined ? encodePageToken(Number(last['seq'])) : '',
    };
  }

  async recordVersion(input: RecordVersionInput): Promise<RecordVersionResult> {
    validateVersionInput(input);
    return this.transaction(() => {
      const current =
        input.documentId !== undefined
          ? this.getSync(input.tenant, input.documentId)
          : this.findSync(input.tenant, input.collection, input.externalId);
      const documentId = current?.documentId ?? input.documentId ?? randomUUID();
      const decision = decideVersion(current, input, documentId, new Date());
      if (decision.outcome === 'unchanged' && current !== undefined)
        return { outcome: 'unchanged', record: current, previousChunks: [], previousStatus: current.status };
      if (decision.outcome === 'unchanged') throw new Error('unreachable: unchanged without a record');
      const previousChunks = decision.replacesChunks ? this.chunksSync(input.tenant, documentId) : [];
      this.writeDocument(decision.record, current !== undefined);
      this.replaceChunks(input.tenant, documentId, input.chunks);
      return {
        outcome: decision.outcome,
        record: decision.record,
        previousChunks,
        previousStatus: current?.status,
      };
    });
  }

  async markIndexed(tenant: string, documentId: string, version: number): Promise<boolean> {
    return this.setStatus(tenant, documentId, version, 'indexed', null);
  }

  async markFailed(tenant: string, documentId: string, version: number, reason: string): Promise<boolean> {
    return this.setStatus(tenant, documentId, version, 'failed', reason);
  }

  async markDeleted(tenant: string, documentId: string): Promise<ChunkRecord[]> {
    requireKey(tenant, 'tenant');
    return this.transaction(() => {
      const current = this.getSync(tenant, documentId);
      if (current === undefined || current.status === 'deleted') return [];
      const previous = this.chunksSync(tenant, documentId);
      this.db
        .prepare('DELETE FROM registry_chunks WHERE tenant = ? AND document_id = ?')
        .run(tenant, documentId);
      this.db
        .prepare(
          `UPDATE registry_documents SET status = 'deleted', failure_reason = NULL, chunk_count = 0, updated_at = ?
           WHERE tenant = ? AND document_id = ?`,
        )
        .run(Date.now(), tenant, documentId);
      return previous;
    });
  }

  async chunks(tenant: string, documentId: string): Promise<ChunkRecord[]> {
    requireKey(tenant, 'tenant');
    return this.chunksSync(tenant, documentId);
  }

  async counts(tenant: string): Promise<RegistryCounts> {
    requireKey(tenant, 'tenant');
    const rows = this.db
      .prepare('SELECT status, COUNT(*) AS n FROM registry_documents WHERE tenant = ? GROUP BY status')
      .all(tenant);
    const chunkRow = this.db
      .prepare('SELECT COUNT(*) AS n FROM registry_chunks WHERE tenant = ?')
      .get(tenant);
    return buildCounts(
      rows.map((r) => ({ status: String(r['status']), n: Number(r['n']) })),
      Number(chunkRow?.['n'] ?? 0),
    );
  }

  async claimRequest(tenant: string, idempotencyKey: string, documentId: string): Promise<boolean> {
    requireKey(tenant, 'tenant');
    requireKey(idempotencyKey, 'idempotencyKey');
    const result = this.db
      .prepare(
        `INSERT INTO registry_request_claims (tenant, idempotency_key, document_id, claimed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(tenant, idempotencyKey, documentId, Date.now());
    return Number(result.changes) === 1;
  }

  async health(): Promise<DocumentRegistryHealth> {
    try {
      this.db.prepare('SELECT 1').get();
      return { ok: true, backend: 'sqlite' };
    } catch (err) {
      return { ok: false, backend: 'sqlite', detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    if (!this.closed) this.db.close();
    this.closed = true;
  }

  private getSync(tenant: string, documentId: string): DocumentRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM registry_documents WHERE tenant = ? AND document_id = ?')
      .get(tenant, documentId);
    return row === undefined ? undefined : toDocument(row);
  }

  private findSync(tenant: string, collection: string, externalId: string): DocumentRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM registry_documents WHERE tenant = ? AND collection = ? AND external_id = ?')
      .get(tenant, collection, externalId);
    return row === undefined ? undefined : toDocument(row);
  }

  private chunksSync(tenant: string, documentId: string): ChunkRecord[] {
    return this.db
      .prepare('SELECT * FROM registry_chunks WHERE tenant = ? AND document_id = ? ORDER BY chunk_index')
      .all(tenant, documentId)
      .map((row: SqliteRow) => toChunk(row));
  }

  private writeDocument(r: DocumentRecord, exists: boolean): void {
    const values = [
      r.collection,
      r.externalId,
      r.title,
      r.sourceUri,
      r.mimeType,
      JSON.stringify(r.metadata),
      r.version,
      r.contentHash,
      r.status,
      r.chunkCount,
      r.sizeBytes,
      r.createdAt.getTime(),
      r.updatedAt.getTime(),
    ];
    const sql = exists
      ? `UPDATE registry_documents SET collection = ?, external_id = ?, title = ?, source_uri = ?, mime_type = ?,
           metadata = ?, version = ?, content_hash = ?, status = ?, failure_reason = NULL, chunk_count = ?,
           size_bytes = ?, created_at = ?, updated_at = ? WHERE tenant = ? AND document_id = ?`
      : `INSERT INTO registry_documents (collection, external_id, title, source_uri, mime_type, metadata, version,
           content_hash, status, chunk_count, size_bytes, created_at, updated_at, tenant, document_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    try {
      this.db.prepare(sql).run(...values, r.tenant, r.documentId);
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint/.test(err.message))
        throw new DocumentRegistryError(
          `another document of tenant ${r.tenant} already has collection ${r.collection} and externalId ${r.externalId}`,
          'FAILED_PRECONDITION',
        );
      throw err;
    }
  }

  private replaceChunks(tenant: string, documentId: string, chunks: readonly ChunkRecord[]): void {
    this.db
      .prepare('DELETE FROM registry_chunks WHERE tenant = ? AND document_id = ?')
      .run(tenant, documentId);
    const insert = this.db.prepare(
      `INSERT INTO registry_chunks (tenant, document_id, chunk_index, chunk_id, chunk_hash, start_offset, end_offset,
         heading_path, token_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const c of chunks)
      insert.run(
        tenant,
        documentId,
        c.index,
        c.chunkId,
        c.chunkHash,
        c.startOffset,
        c.endOffset,
        JSON.stringify(c.headingPath),
        c.tokenCount,
      );
  }

  private setStatus(
    tenant: string,
    documentId: string,
    version: number,
    status: 'indexed' | 'failed',
    reason: string | null,
  ): boolean {
    requireKey(tenant, 'tenant');
    return this.transaction(() => {
      if (!statusEventApplies(this.getSync(tenant, documentId), version, status)) return false;
      this.db
        .prepare(
          'UPDATE registry_documents SET status = ?, failure_reason = ?, updated_at = ? WHERE tenant = ? AND document_id = ?',
        )
        .run(status, reason, Date.now(), tenant, documentId);
      return true;
    });
  }

  private transaction<T>(body: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }
}
