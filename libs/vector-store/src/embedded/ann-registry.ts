import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { VectorStoreError } from '../vector-store.port.js';
import { modelSlug } from '../search-support.js';
import { AnnIndex } from './ann-index.js';
import type { SqlitePointsRepository } from './sqlite-points.repository.js';

/**
 * Owns the per-model HNSW indexes of the embedded store: loads a saved index when its sidecar matches the
 * SQLite write generation, rebuilds it from SQLite otherwise, keeps loaded indexes in step with writes and
 * saves them on close.
 */
export class AnnRegistry {
  private readonly loaded = new Map<string, AnnIndex>();
  /** How indexes were obtained: loaded from disk or rebuilt from SQLite. */
  readonly counters = { loaded: 0, rebuilt: 0 };

  constructor(
    private readonly directory: string,
    private readonly repo: SqlitePointsRepository,
  ) {}

  /** The model's index if it is in memory (writes must then be applied to it). */
  live(model: string): AnnIndex | undefined {
    return this.loaded.get(model);
  }

  /** Records the generation a write produced; a loaded index was updated in step, so it stays fresh. */
  afterWrite(model: string, generation: number): void {
    const index = this.loaded.get(model);
    if (index) index.generation = generation;
  }

  /** The model's index: in memory, else loaded from disk if fresh, else rebuilt from SQLite. */
  acquire(model: string): AnnIndex {
    const live = this.loaded.get(model);
    if (live) return live;
    const spec = this.repo.model(model);
    if (!spec) throw new VectorStoreError(`unknown model ${model}`, 'NOT_FOUND');
    let index = AnnIndex.loadIfFresh(this.path(model), spec.dimension, spec.generation);
    if (index) this.counters.loaded++;
    else {
      index = this.rebuild(model, spec.dimension, spec.generation);
      this.counters.rebuilt++;
    }
    this.loaded.set(model, index);
    return index;
  }

  /** Saves every changed index beside the DB and forgets them. */
  saveAll(): void {
    for (const [model, index] of this.loaded) index.save(this.path(model));
    this.loaded.clear();
  }

  private rebuild(model: string, dimension: number, generation: number): AnnIndex {
    const index = AnnIndex.create(dimension, generation);
    const pks: number[] = [];
    let batch: Float32Array[] = [];
    const flush = (): void => {
      const matrix = new Float32Array(batch.length * dimension);
      batch.forEach((v, i) => matrix.set(v, i * dimension));
      index.add(pks.splice(0), matrix);
      batch = [];
    };
    for (const { pk, dense } of this.repo.denseVectors({ sql: 'p.model = ?', params: [model] })) {
      pks.push(pk);
      batch.push(dense);
      if (batch.length === 4096) flush();
    }
    flush();
    return index;
  }

  private path(model: string): string {
    const digest = createHash('sha256').update(model).digest('hex').slice(0, 8);
    return join(this.directory, `ann-${modelSlug(model)}-${digest}.usearch`);
  }
}
