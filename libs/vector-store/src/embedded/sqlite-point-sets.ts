import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** One (model, tenant, collection): the unit the embedded store counts and indexes. */
export interface PointSet {
  readonly model: string;
  readonly tenant: string;
  readonly collection: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS point_sets (
  model TEXT NOT NULL, tenant TEXT NOT NULL, collection TEXT NOT NULL, points INTEGER NOT NULL,
  PRIMARY KEY (model, tenant, collection)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removed_points (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, tenant TEXT NOT NULL, collection TEXT NOT NULL,
  pk INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS removed_points_by_set ON removed_points (model, tenant, collection, seq);
`;

/**
 * Per-set bookkeeping of the embedded store, in the points DB: how many points each (model, tenant,
 * collection) holds (so a search never counts rows), and a log of removed point pks that a saved HNSW
 * index replays when it is loaded after writes it did not see (a crash before its save).
 * Every method runs inside the caller's transaction.
 */
export class SqlitePointSets {
  /** Random id of this DB: a saved index that names another id belongs to another (recreated) DB. */
  readonly storeId: string;

  constructor(
    db: DatabaseSync,
    private readonly prepare: (sql: string) => StatementSync,
  ) {
    const existed = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'point_sets'").get() !== undefined;
    db.exec(SCHEMA);
    if (!existed) {
      // A DB written before counts were kept: count its points once.
      db.exec(`INSERT INTO point_sets (model, tenant, collection, points)
        SELECT model, tenant, collection, COUNT(*) FROM points GROUP BY model, tenant, collection`);
    }
    prepare("INSERT INTO store_meta (key, value) VALUES ('store_id', ?) ON CONFLICT DO NOTHING").run(
      randomUUID(),
    );
    this.storeId = String(prepare("SELECT value FROM store_meta WHERE key = 'store_id'").get()?.['value']);
  }

  /** Adds `delta` (may be negative) to a set's count; a set left empty is forgotten. */
  adjust(set: PointSet, delta: number): void {
    if (delta === 0) return;
    this.prepare(
      `INSERT INTO point_sets (model, tenant, collection, points) VALUES (?, ?, ?, ?)
         ON CONFLICT (model, tenant, collection) DO UPDATE SET points = points + excluded.points`,
    ).run(set.model, set.tenant, set.collection, delta);
    this.prepare(
      'DELETE FROM point_sets WHERE model = ? AND tenant = ? AND collection = ? AND points <= 0',
    ).run(set.model, set.tenant, set.collection);
  }

  /** Point count of each collection of a tenant. */
  collections(model: string, tenant: string): Map<string, number> {
    const rows = this.prepare('SELECT collection, points FROM point_sets WHERE model = ? AND tenant = ?').all(
      model,
      tenant,
    );
    return new Map(rows.map((row) => [String(row['collection']), Number(row['points'])]));
  }

  /** Every set of a model (rebuilding, tests). */
  sets(model: string): PointSet[] {
    return this.prepare('SELECT tenant, collection FROM point_sets WHERE model = ?')
      .all(model)
      .map((row) => ({ model, tenant: String(row['tenant']), collection: String(row['collection']) }));
  }

  /** Logs a removed pk; returns its sequence number. */
  logRemoval(set: PointSet, pk: number): number {
    const result = this.prepare(
      'INSERT INTO removed_points (model, tenant, collection, pk) VALUES (?, ?, ?, ?)',
    ).run(set.model, set.tenant, set.collection, pk);
    return Number(result.lastInsertRowid);
  }

  /** Removals of a set logged after `seq`, oldest first. */
  removedSince(set: PointSet, seq: number): { seq: number; pk: number }[] {
    return this.prepare(
      'SELECT seq, pk FROM removed_points WHERE model = ? AND tenant = ? AND collection = ? AND seq > ? ORDER BY seq',
    )
      .all(set.model, set.tenant, set.collection, seq)
      .map((row) => ({ seq: Number(row['seq']), pk: Number(row['pk']) }));
  }

  /** The last logged removal (0 when none): a new index reflects every removal up to here. */
  lastRemoval(): number {
    return Number(
      this.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM removed_points').get()?.['seq'] ?? 0,
    );
  }

  /** Forgets a set's removals up to `seq` (a saved index reflects them). */
  prune(set: PointSet, seq: number): void {
    this.prepare(
      'DELETE FROM removed_points WHERE model = ? AND tenant = ? AND collection = ? AND seq <= ?',
    ).run(set.model, set.tenant, set.collection, seq);
  }
}
