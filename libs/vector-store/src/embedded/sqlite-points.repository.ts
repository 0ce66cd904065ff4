import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { ChunkPayload, ChunkPoint } from '../vector-store.port.js';
import { SqlitePointSets, type PointSet } from './sqlite-point-sets.js';
import type { SqlFragment } from './sqlite-where.js';

/** The points DB schema (also read by specs that inspect query plans). */
export const POINTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS models (model TEXT PRIMARY KEY, dimension INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS points (
  pk INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, tenant TEXT NOT NULL, id TEXT NOT NULL,
  collection TEXT NOT NULL, document_id TEXT NOT NULL, document_version INTEGER NOT NULL, chunk_hash TEXT NOT NULL,
  text TEXT NOT NULL, title TEXT NOT NULL, source_uri TEXT NOT NULL, heading_path TEXT NOT NULL,
  start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, metadata TEXT NOT NULL, dense BLOB NOT NULL,
  UNIQUE (model, tenant, id));
CREATE INDEX IF NOT EXISTS points_by_document ON points (model, tenant, document_id);
CREATE INDEX IF NOT EXISTS points_by_set ON points (model, tenant, collection);
CREATE TABLE IF NOT EXISTS postings (
  model TEXT NOT NULL, tenant TEXT NOT NULL, term INTEGER NOT NULL, pk INTEGER NOT NULL, weight REAL NOT NULL,
  PRIMARY KEY (model, tenant, term, pk)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS postings_by_point ON postings (pk);
`;

const PAYLOAD_COLUMNS =
  'p.pk, p.id, p.tenant, p.collection, p.document_id, p.document_version, p.chunk_hash, p.text, p.title, p.source_uri, p.heading_path, p.start_offset, p.end_offset, p.metadata';

type Row = Record<string, unknown>;

/** A point deleted by `deletePoints`: its pk, its set, and the sequence number of its removal log entry. */
export interface RemovedPoint {
  readonly pk: number;
  readonly set: PointSet;
  readonly seq: number;
}

/** SQLite persistence of points, postings and per-model state (one DB file). */
export class SqlitePointsRepository {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  /** Per-set counts and the removal log. */
  readonly sets: SqlitePointSets;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(POINTS_SCHEMA);
    this.sets = new SqlitePointSets(this.db, (sql) => this.prepare(sql));
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

  /** Inserts points (with their normalised dense vectors) and counts them in their sets; returns their pks. */
  insertAll(model: string, points: readonly ChunkPoint[], dense: readonly Float32Array[]): number[] {
    const pks = points.map((point, i) => this.insert(model, point, dense[i] as Float32Array));
    for (const [set, n] of countBySet(points.map((point) => ({ model, ...point })))) this.sets.adjust(set, n);
    return pks;
  }

  private insert(model: string, point: ChunkPoint, dense: Float32Array): number {
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

  /** Deletes points and their postings, uncounts them and logs each removal (for saved indexes). */
  deletePoints(pks: readonly number[]): RemovedPoint[] {
    if (pks.length === 0) return [];
    const json = JSON.stringify(pks);
    const rows = this.prepare(
      'SELECT pk, model, tenant, collection FROM points WHERE pk IN (SELECT value FROM json_each(?))',
    ).all(json);
    this.prepare('DELETE FROM postings WHERE pk IN (SELECT value FROM json_each(?))').run(json);
    this.prepare('DELETE FROM points WHERE pk IN (SELECT value FROM json_each(?))').run(json);
    const removed = rows.map((row) => {
      const set = {
        model: String(row['model']),
        tenant: String(row['tenant']),
        collection: String(row['collection']),
      };
      const pk = Number(row['pk']);
      return { pk, set, seq: this.sets.logRemoval(set, pk) };
    });
    for (const [set, n] of countBySet(removed.map((r) => r.set))) this.sets.adjust(set, -n);
    return removed;
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
      yield { pk: Number(row['pk']), dense: toVector(row['dense'] as Uint8Array) };
    }
  }

  /** Iterates (pk, dense) of a set's points with a pk above `afterPk`, in pk order. */
  *setVectors(set: PointSet, afterPk = 0): Generator<{ pk: number; dense: Float32Array }> {
    const rows = this.prepare(
      'SELECT pk, dense FROM points WHERE model = ? AND tenant = ? AND collection = ? AND pk > ? ORDER BY pk',
    ).iterate(set.model, set.tenant, set.collection, afterPk);
    for (const row of rows) yield { pk: Number(row['pk']), dense: toVector(row['dense'] as Uint8Array) };
  }

  /** Dense vectors of the given pks (exact scores of ANN candidates). */
  denseOf(pks: readonly number[]): Map<number, Float32Array> {
    const rows = this.prepare(
      'SELECT pk, dense FROM points WHERE pk IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(pks));
    return new Map(rows.map((row) => [Number(row['pk']), toVector(row['dense'] as Uint8Array)]));
  }

  /** Pks among `pks` that satisfy `where`. */
  filterPks(pks: readonly number[], where: SqlFragment): Set<number> {
    const rows = this.prepare(candidatesWhereSql(where)).all(
      JSON.stringify(pks),
      ...(where.params as SQLInputValue[]),
    );
    return new Set(rows.map((row) => Number(row['pk'])));
  }

  /** Number of a tenant's points and document frequency of each term (for IDF). */
  termStats(model: string, tenant: string, terms: readonly number[]): { n: number; df: Map<number, number> } {
    let n = 0;
    for (const count of this.sets.collections(model, tenant).values()) n += count;
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

/**
 * The post-filter of ANN candidates: the pks (a JSON array, first parameter) that satisfy `where`.
 * CROSS JOIN keeps the candidates as the outer loop, one rowid lookup each: left to itself the planner
 * scans the tenant's whole (model, tenant) index range (74 ms for 84 candidates at 1M points).
 */
export function candidatesWhereSql(where: SqlFragment): string {
  return `SELECT p.pk FROM json_each(?) AS candidate CROSS JOIN points AS p ON p.pk = candidate.value WHERE ${where.sql}`;
}

/** A dense blob as a Float32Array of its own (SQLite blobs need not be 4-byte aligned). */
function toVector(blob: Uint8Array): Float32Array {
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

function countBySet(sets: readonly PointSet[]): Map<PointSet, number> {
  const byKey = new Map<string, { set: PointSet; n: number }>();
  for (const { model, tenant, collection } of sets) {
    const key = JSON.stringify([model, tenant, collection]);
    const entry = byKey.get(key);
    if (entry) entry.n++;
    else byKey.set(key, { set: { model, tenant, collection }, n: 1 });
  }
  return new Map([...byKey.values()].map(({ set, n }) => [set, n]));
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
