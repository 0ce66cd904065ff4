import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { ChunkPayload, ChunkPoint } from '../vector-store.port.js';
import type { SqlFragment } from './sqlite-where.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS models (model TEXT PRIMARY KEY, dimension INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS points (
  pk INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, tenant TEXT NOT NULL, id TEXT NOT NULL,
  collection TEXT NOT NULL, document_id TEXT NOT NULL, document_version INTEGER NOT NULL, chunk_hash TEXT NOT NULL,
  text TEXT NOT NULL, title TEXT NOT NULL, source_uri TEXT NOT NULL, heading_path TEXT NOT NULL,
  start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, metadata TEXT NOT NULL, dense BLOB NOT NULL,
  UNIQUE (model, tenant, id));
CREATE INDEX IF NOT EXISTS points_by_document ON points (model, tenant, document_id);
CREATE TABLE IF NOT EXISTS postings (
  model TEXT NOT NULL, tenant TEXT NOT NULL, term INTEGER NOT NULL, pk INTEGER NOT NULL, weight REAL NOT NULL,
  PRIMARY KEY (model, tenant, term, pk)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS postings_by_point ON postings (pk);
`;

const PAYLOAD_COLUMNS =
  'p.pk, p.id, p.tenant, p.collection, p.document_id, p.document_version, p.chunk_hash, p.text, p.title, p.source_uri, p.heading_path, p.start_offset, p.end_offset, p.metadata';

type Row = Record<string, unknown>;

/** SQLite persistence of points, postings and per-model state (one DB file). */
export class SqlitePointsRepository {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(SCHEMA);
  }

  /** Prepared statements are cached: preparing per row dominated bulk upserts. */
  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size > 500) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in one transaction; rolls back and rethrows on error. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  model(model: string): { dimension: number; generation: number } | undefined {
    const row = this.prepare('SELECT dimension, generation FROM models WHERE model = ?').get(model);
    return row ? { dimension: Number(row['dimension']), generation: Number(row['generation']) } : undefined;
  }

  createModel(model: string, dimension: number): void {
    this.prepare('INSERT INTO models (model, dimension) VALUES (?, ?)').run(model, dimension);
  }

  /** Bumps and returns the model's write generation (the ANN index staleness marker). */
  bumpGeneration(model: string): number {
    this.prepare('UPDATE models SET generation = generation + 1 WHERE model = ?').run(model);
    return this.model(model)?.generation ?? 0;
  }

  /** Inserts a point (normalised dense) with its postings; returns its new pk. */
  insert(model: string, point: ChunkPoint, dense: Float32Array): number {
    const result = this.prepare(
      `INSERT INTO points (model, tenant, id, collection, document_id, document_version, chunk_hash, text, title, source_uri,
           heading_path, start_offset, end_offset, metadata, dense) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      model,
      point.tenant,
      point.id,
      point.collection,
      point.documentId,
      point.documentVersion,
      point.chunkHash,
      point.text,
      point.title,
      point.sourceUri,
      JSON.stringify(point.headingPath),
      point.startOffset,
      point.endOffset,
      JSON.stringify(point.metadata),
      new Uint8Array(dense.buffer, dense.byteOffset, dense.byteLength),
    );
    const pk = Number(result.lastInsertRowid);
    const posting = this.prepare(
      'INSERT OR REPLACE INTO postings (model, tenant, term, pk, weight) VALUES (?, ?, ?, ?, ?)',
    );
    point.sparse.indices.forEach((term, i) =>
      posting.run(model, point.tenant, term, pk, point.sparse.values[i] ?? 0),
    );
    return pk;
  }

  /** Pks of a tenant's points with the given ids. */
  pksByIds(model: string, tenant: string, ids: readonly string[]): number[] {
    return this.prepare(
      'SELECT pk FROM points WHERE model = ? AND tenant = ? AND id IN (SELECT value FROM json_each(?))',
    )
      .all(model, tenant, JSON.stringify(ids))
      .map((row) => Number(row['pk']));
  }

  pksByDocument(model: string, tenant: string, documentId: string): number[] {
    return this.prepare('SELECT pk FROM points WHERE model = ? AND tenant = ? AND document_id = ?')
      .all(model, tenant, documentId)
      .map((row) => Number(row['pk']));
  }

  deletePks(pks: readonly number[]): void {
    const json = JSON.stringify(pks);
    this.prepare('DELETE FROM postings WHERE pk IN (SELECT value FROM json_each(?))').run(json);
    this.prepare('DELETE FROM points WHERE pk IN (SELECT value FROM json_each(?))').run(json);
  }

  count(where: SqlFragment): number {
    const row = this.prepare(`SELECT COUNT(*) AS n FROM points p WHERE ${where.sql}`).get(
      ...(where.params as SQLInputValue[]),
    );
    return Number(row?.['n'] ?? 0);
  }

  /** Iterates (pk, dense) of the matching points. */
  *denseVectors(where: SqlFragment): Generator<{ pk: number; dense: Float32Array }> {
    for (const row of this.prepare(`SELECT p.pk, p.dense FROM points p WHERE ${where.sql}`).iterate(
      ...(where.params as SQLInputValue[]),
    )) {
      const blob = row['dense'] as Uint8Array;
      yield {
        pk: Number(row['pk']),
        dense: new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength)),
      };
    }
  }

  /** Pks among `pks` that satisfy `where`. */
  filterPks(pks: readonly number[], where: SqlFragment): Set<number> {
    const rows = this.prepare(
      `SELECT p.pk FROM points p WHERE p.pk IN (SELECT value FROM json_each(?)) AND ${where.sql}`,
    ).all(JSON.stringify(pks), ...(where.params as SQLInputValue[]));
    return new Set(rows.map((row) => Number(row['pk'])));
  }

  /** Number of a tenant's points and document frequency of each term (for IDF). */
  termStats(model: string, tenant: string, terms: readonly number[]): { n: number; df: Map<number, number> } {
    const n = Number(
      this.prepare('SELECT COUNT(*) AS n FROM points WHERE model = ? AND tenant = ?').get(model, tenant)?.[
        'n'
      ] ?? 0,
    );
    const rows = this.prepare(
      'SELECT term, COUNT(*) AS df FROM postings WHERE model = ? AND tenant = ? AND term IN (SELECT value FROM json_each(?)) GROUP BY term',
    ).all(model, tenant, JSON.stringify(terms));
    return { n, df: new Map(rows.map((row) => [Number(row['term']), Number(row['df'])])) };
  }

  /** Postings of the given terms restricted to points satisfying `where`. */
  postings(
    model: string,
    tenant: string,
    terms: readonly number[],
    where: SqlFragment,
  ): { pk: number; term: number; weight: number }[] {
    return this.prepare(
      `SELECT po.pk, po.term, po.weight FROM postings po JOIN points p ON p.pk = po.pk
         WHERE po.model = ? AND po.tenant = ? AND po.term IN (SELECT value FROM json_each(?)) AND ${where.sql}`,
    )
      .all(model, tenant, JSON.stringify(terms), ...(where.params as SQLInputValue[]))
      .map((row) => ({ pk: Number(row['pk']), term: Number(row['term']), weight: Number(row['weight']) }));
  }

  /** Payloads of the given pks. */
  payloads(pks: readonly number[]): Map<number, ChunkPayload> {
    const rows = this.prepare(
      `SELECT ${PAYLOAD_COLUMNS} FROM points p WHERE p.pk IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(pks));
    return new Map(rows.map((row) => [Number(row['pk']), toPayload(row)]));
  }

  ping(): void {
    this.prepare('SELECT 1').get();
  }

  close(): void {
    this.db.close();
  }
}

function toPayload(row: Row): ChunkPayload {
  return {
    id: String(row['id']),
    tenant: String(row['tenant']),
    collection: String(row['collection']),
    documentId: String(row['document_id']),
    documentVersion: Number(row['document_version']),
    chunkHash: String(row['chunk_hash']),
    text: String(row['text']),
    title: String(row['title']),
    sourceUri: String(row['source_uri']),
    headingPath: JSON.parse(String(row['heading_path'])) as string[],
    startOffset: Number(row['start_offset']),
    endOffset: Number(row['end_offset']),
    metadata: JSON.parse(String(row['metadata'])) as Record<string, string>,
  };
}
