import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { modelSlug } from '../search-support.js';
import { AnnIndex, type HnswParams } from './ann-index.js';
import type { PointSet } from './sqlite-point-sets.js';
import type { SqlitePointsRepository } from './sqlite-points.repository.js';

/** A loaded index is saved once this many points changed since its last save (and at least half its size). */
const SAVE_AFTER_CHANGES = 10_000;

/**
 * Owns the HNSW indexes of the embedded store, one per (model, tenant, collection): a tenant-scoped
 * search reads only its own sets' indexes, so no candidate of another tenant or collection has to be
 * filtered out. Indexes are loaded on first use, then kept in step with every write. A saved index
 * catches up with the writes it missed (points above its `maxPk`, removals logged after its
 * `removedSeq`) instead of being rebuilt; it is rebuilt from SQLite only when it is missing or was
 * built for another DB or other parameters. Saved on close, and while writes go on once the unsaved
 * changes reach half the index, so a crash costs a partial catch-up, not a rebuild.
 */
export class AnnRegistry {
  private readonly loaded = new Map<string, { set: PointSet; index: AnnIndex }>();
  /** How indexes were obtained: loaded from disk (and caught up), or rebuilt from SQLite rows (not counted for a new set). */
  readonly counters = { loaded: 0, rebuilt: 0, caughtUp: 0 };

  constructor(
    private readonly directory: string,
    private readonly repo: SqlitePointsRepository,
    private readonly params: HnswParams,
  ) {
    // Indexes of earlier versions (one per model, `ann-*`) cannot be caught up: drop them.
    for (const file of readdirSync(directory))
      if (file.startsWith('ann-') && file.includes('.usearch'))
        rmSync(join(directory, file), { force: true });
  }

  /** The set's index if it is in memory. */
  live(set: PointSet): AnnIndex | undefined {
    return this.loaded.get(setKey(set))?.index;
  }

  /** The set's index: in memory, else loaded from disk and caught up, else rebuilt from SQLite. */
  acquire(set: PointSet, dimension: number): AnnIndex {
    const key = setKey(set);
    const live = this.loaded.get(key);
    if (live) return live.index;
    let index = AnnIndex.load(this.path(set), this.repo.sets.storeId, dimension, this.params);
    if (index) {
      this.counters.loaded++;
      if (this.catchUp(set, index)) this.counters.caughtUp++;
    } else {
      index = new AnnIndex(dimension, this.params);
      // Removals before now are reflected by building from the current rows.
      index.remove([], this.repo.sets.lastRemoval());
      if (this.addFromSql(set, index, 0) > 0) this.counters.rebuilt++;
    }
    this.loaded.set(key, { set, index });
    return index;
  }

  /** Saves the set's index when enough changed since its last save. */
  afterWrite(set: PointSet): void {
    const entry = this.loaded.get(setKey(set));
    if (entry && entry.index.unsaved >= Math.max(SAVE_AFTER_CHANGES, entry.index.size() / 2))
      this.save(entry.set, entry.index);
  }

  /** Saves every changed index and forgets them. */
  saveAll(): void {
    for (const { set, index } of this.loaded.values()) if (index.unsaved > 0) this.save(set, index);
    this.loaded.clear();
  }

  private save(set: PointSet, index: AnnIndex): void {
    index.save(this.path(set), this.repo.sets.storeId);
    this.repo.sets.prune(set, index.removedSeq);
  }

  /** Applies the writes a saved index missed; true when there were any. */
  private catchUp(set: PointSet, index: AnnIndex): boolean {
    const removed = this.repo.sets.removedSince(set, index.removedSeq);
    const last = removed[removed.length - 1];
    if (last)
      index.remove(
        removed.map((r) => r.pk),
        last.seq,
      );
    const added = this.addFromSql(set, index, index.maxPk);
    return removed.length > 0 || added > 0;
  }

  private addFromSql(set: PointSet, index: AnnIndex, afterPk: number): number {
    const { dimension } = index;
    const batchSize = 4096;
    const pks: number[] = [];
    const matrix = new Float32Array(batchSize * dimension);
    let added = 0;
    const flush = (): void => {
      index.add(pks, matrix.subarray(0, pks.length * dimension));
      added += pks.length;
      pks.length = 0;
    };
    for (const { pk, dense } of this.repo.setVectors(set, afterPk)) {
      matrix.set(dense, pks.length * dimension);
      pks.push(pk);
      if (pks.length === batchSize) flush();
    }
    flush();
    return added;
  }

  private path(set: PointSet): string {
    const digest = createHash('sha256').update(setKey(set)).digest('hex').slice(0, 16);
    return join(this.directory, `hnsw-${modelSlug(set.model)}-${digest}.usearch`);
  }
}

function setKey(set: PointSet): string {
  return JSON.stringify([set.model, set.tenant, set.collection]);
}
