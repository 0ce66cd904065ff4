import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { guardPostgresPool } from '@cairn/sql';
import { inTransaction } from './postgres-transaction.js';
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
  validateVersionInput,
} from '../registry-support.js';
import {
  type PgRow,
  type RegistryTables,
  pgToChunk,
  pgToDocument,
  registryTables,
  schemaStatements,
} from './postgres-schema.js';

/** How the PostgreSQL registry connects and where its tables live. */
export interface PostgresDocumentRegistryOptions {
  /** Connection string; ignored when `pool` is given. */
  url?: string;
  /** A pool owned by the caller (not ended by `close()`). */
  pool?: pg.Pool;
  /** Schema holding the tables (created by `migrate()`); default `cairn_registry`. Tests use one each. */
  schema?: string;
  /** Pool size when the registry creates the pool (default 10). */
  maxConnections?: number;
}

/**
 * DocumentRegistry on PostgreSQL. `recordVersion` and `markDeleted` lock the document row
 * (`SELECT ... FOR UPDATE`) so concurrent ingests of one document serialize.
 */
export class PostgresDocumentRegistry implements DocumentRegistry {
  private readonly pool: pg.Pool;
  private readonly owned: boolean;
  private readonly t: RegistryTables;
  private closed = false;

  constructor(options: PostgresDocumentRegistryOptions) {
    this.t = registryTables(options.schema ?? 'cairn_registry');
    if (options.pool !== undefined) {
      this.pool = options.pool;
      this.owned = false;
    } else {
      if (options.url === undefined || options.url === '')
        throw new DocumentRegistryError('PostgresDocumentRegistry needs a url or a pool');
      this.pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
      guardPostgresPool(
        this.pool,
        (error) => new DocumentRegistryError(`PostgreSQL is unavailable: ${error.message}`, 'UNAVAILABLE'),
      );
      this.owned = true;
    }
  }

  async migrate(): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      // Concurrent migrations of one database would race on CREATE ... IF NOT EXISTS.
      await c.query("SELECT pg_advisory_xact_lock(hashtext('cairn.document-registry.migrate'))");
      for (const sql of schemaStatements(this.t)) await c.query(sql);
    });
  }

  async get(tenant: string, documentId: string): Promise<DocumentRecord | undefined> {
    requireKey(tenant, 'tenant');
    const { rows } = await this.pool.query<PgRow>(
      `SELECT * FROM ${this.t.documents} WHERE tenant = $1 AND document_id = $2 AND version > 0`,
      [tenant, documentId],
    );
    return rows[0] === undefined ? undefined : pgToDocument(rows[0]);
  }

  async findByExternalId(
    tenant: string,
    collection: string,
    externalId: string,
  ): Promise<DocumentRecord | undefined> {
    requireKey(tenant, 'tenant');
    const { rows } = await this.pool.query<PgRow>(
      `SELECT * FROM ${this.t.documents} WHERE tenant = $1 AND collection = $2 AND external_id = $3 AND version > 0`,
      [tenant, collection, externalId],
    );
    return rows[0] === undefined ? undefined : pgToDocument(rows[0]);
  }

  async list(tenant: string, query: ListDocumentsQuery): Promise<DocumentPage> {
    requireKey(tenant, 'tenant');
    const { pageSize, after } = readPageQuery(query);
    const params: unknown[] = [tenant, after, pageSize + 1];
    const where = ['tenant = $1', 'seq > $2', 'version > 0'];
    if (query.collection !== undefined) where.push(`collection = $${params.push(query.collection)}`);
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
    else where.push("status <> 'deleted'");
    const { rows } = await this.pool.query<PgRow>(
      `SELECT * FROM ${this.t.documents} WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $3`,
      params,
    );
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      documents: page.map(pgToDocument),
      nextPageToken: rows.length > pageSize && last !== undefined ? encodePageToken(Number(last['seq'])) : '',
    };
  }

  async recordVersion(input: RecordVersionInput): Promise<RecordVersionResult> {
    validateVersionInput(input);
    return inTransaction(this.pool, async (c) => {
      let row = await this.lockDocument(c, input);
      if (row === undefined) {
        // First ingest: a placeholder (version 0) gives concurrent creators one row to lock.
        await c.query(
          `INSERT INTO ${this.t.documents} (tenant, document_id, collection, external_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [input.tenant, input.documentId ?? randomUUID(), input.collection, input.externalId],
        );
        row = await this.lockDocument(c, input);
      }
      if (row === undefined)
        throw new DocumentRegistryError(
          `document ${input.documentId ?? ''} cannot be created: another document of tenant ${input.tenant} ` +
            `has collection ${input.collection} and externalId ${input.externalId}`,
          'FAILED_PRECONDITION',
        );
      const locked = pgToDocument(row);
      const current = locked.version > 0 ? locked : undefined;
      const decision = decideVersion(current, input, locked.documentId, new Date());
      if (decision.outcome === 'unchanged' && current !== undefined)
        return { outcome: 'unchanged', record: current, previousChunks: [], previousStatus: current.status };
      if (decision.outcome === 'unchanged') throw new Error('unreachable: unchanged without a record');
      const removed = await this.deleteChunks(c, input.tenant, locked.documentId);
      const previousChunks = decision.replacesChunks ? removed : [];
      await this.writeDocument(c, decision.record);
      await c.query(
        `INSERT INTO ${this.t.chunks} (tenant, document_id, chunk_index, chunk_id, chunk_hash, start_offset, end_offset,
           heading_path, token_count)
         SELECT $1, $2, x.i, x.id, x.h, x.s, x.e, x.p, x.n
         FROM jsonb_to_recordset($3::jsonb) AS x(i int, id text, h text, s int, e int, p jsonb, n int)`,
        [
          input.tenant,
          locked.documentId,
          JSON.stringify(
            input.chunks.map((k) => ({
              i: k.index,
              id: k.chunkId,
              h: k.chunkHash,
              s: k.startOffset,
              e: k.endOffset,
              p: k.headingPath,
              n: k.tokenCount,
            })),
          ),
        ],
      );
      return {
        outcome: decision.outcome,
        record: decision.record,
        previousChunks,
        previousStatus: current?.status,
      };
    });
  }

  async markIndexed(tenant: string, documentId: string, version: number): Promise<boolean> {
    requireKey(tenant, 'tenant');
    const result = await this.pool.query(
      `UPDATE ${this.t.documents} SET status = 'indexed', failure_reason = NULL, updated_at = now()
       WHERE tenant = $1 AND document_id = $2 AND version = $3 AND version > 0 AND status NOT IN ('deleted', 'indexed')`,
      [tenant, documentId, version],
    );
    return result.rowCount === 1;
  }

  async markFailed(tenant: string, documentId: string, version: number, reason: string): Promise<boolean> {
    requireKey(tenant, 'tenant');
    const result = await this.pool.query(
      `UPDATE ${this.t.documents} SET status = 'failed', failure_reason = $4, updated_at = now()
       WHERE tenant = $1 AND document_id = $2 AND version = $3 AND version > 0 AND status <> 'deleted'`,
      [tenant, documentId, version, reason],
    );
    return result.rowCount === 1;
  }

  async markDeleted(tenant: string, documentId: string): Promise<ChunkRecord[]> {
    requireKey(tenant, 'tenant');
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query<PgRow>(
        `SELECT status, version FROM ${this.t.documents} WHERE tenant = $1 AND document_id = $2 FOR UPDATE`,
        [tenant, documentId],
      );
      const row = rows[0];
      if (row === undefined || row['status'] === 'deleted' || Number(row['version']) === 0) return [];
      const previous = await this.deleteChunks(c, tenant, documentId);
      await c.query(
        `UPDATE ${this.t.documents} SET status = 'deleted', failure_reason = NULL, chunk_count = 0, updated_at = now()
         WHERE tenant = $1 AND document_id = $2`,
        [tenant, documentId],
      );
      return previous;
    });
  }

  async chunks(tenant: string, documentId: string): Promise<ChunkRecord[]> {
    requireKey(tenant, 'tenant');
    const { rows } = await this.pool.query<PgRow>(
      `SELECT * FROM ${this.t.chunks} WHERE tenant = $1 AND document_id = $2 ORDER BY chunk_index`,
      [tenant, documentId],
    );
    return rows.map(pgToChunk);
  }

  async counts(tenant: string): Promise<RegistryCounts> {
    requireKey(tenant, 'tenant');
    const [byStatus, chunks] = await Promise.all([
      this.pool.query<PgRow>(
        `SELECT status, COUNT(*) AS n FROM ${this.t.documents} WHERE tenant = $1 AND version > 0 GROUP BY status`,
        [tenant],
      ),
      this.pool.query<PgRow>(`SELECT COUNT(*) AS n FROM ${this.t.chunks} WHERE tenant = $1`, [tenant]),
    ]);
    return buildCounts(
      byStatus.rows.map((r) => ({ status: String(r['status']), n: Number(r['n']) })),
      Number(chunks.rows[0]?.['n'] ?? 0),
    );
  }

  async claimRequest(tenant: string, idempotencyKey: string, documentId: string): Promise<boolean> {
    requireKey(tenant, 'tenant');
    requireKey(idempotencyKey, 'idempotencyKey');
    const result = await this.pool.query(
      `INSERT INTO ${this.t.claims} (tenant, idempotency_key, document_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [tenant, idempotencyKey, documentId],
    );
    return result.rowCount === 1;
  }

  async health(): Promise<DocumentRegistryHealth> {
    try {
      await this.pool.query('SELECT 1');
      return { ok: true, backend: 'postgres' };
    } catch (err) {
      return { ok: false, backend: 'postgres', detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    if (this.owned && !this.closed) await this.pool.end();
    this.closed = true;
  }

  /** Drops the registry's schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.t.schema} CASCADE`);
  }

  private async lockDocument(c: pg.PoolClient, input: RecordVersionInput): Promise<PgRow | undefined> {
    const { rows } =
      input.documentId !== undefined
        ? await c.query<PgRow>(
            `SELECT * FROM ${this.t.documents} WHERE tenant = $1 AND document_id = $2 FOR UPDATE`,
            [input.tenant, input.documentId],
          )
        : await c.query<PgRow>(
            `SELECT * FROM ${this.t.documents} WHERE tenant = $1 AND collection = $2 AND external_id = $3 FOR UPDATE`,
            [input.tenant, input.collection, input.externalId],
          );
    return rows[0];
  }

  private async deleteChunks(c: pg.PoolClient, tenant: string, documentId: string): Promise<ChunkRecord[]> {
    const { rows } = await c.query<PgRow>(
      `DELETE FROM ${this.t.chunks} WHERE tenant = $1 AND document_id = $2 RETURNING *`,
      [tenant, documentId],
    );
    return rows.map(pgToChunk).sort((a, b) => a.index - b.index);
  }

  private async writeDocument(c: pg.PoolClient, r: DocumentRecord): Promise<void> {
    try {
      await c.query(
        `UPDATE ${this.t.documents} SET collection = $3, external_id = $4, title = $5, source_uri = $6, mime_type = $7,
           metadata = $8::jsonb, version = $9, content_hash = $10, status = $11, failure_reason = NULL,
           chunk_count = $12, size_bytes = $13, created_at = $14, updated_at = $15
         WHERE tenant = $1 AND document_id = $2`,
        [
          r.tenant,
          r.documentId,
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
          r.createdAt,
          r.updatedAt,
        ],
      );
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === '23505')
        throw new DocumentRegistryError(
          `another document of tenant ${r.tenant} already has collection ${r.collection} and externalId ${r.externalId}`,
          'FAILED_PRECONDITION',
        );
      throw err;
    }
  }
}
