import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The part of usearch's Index this adapter uses. */
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array): void;
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array };
  remove(keys: BigUint64Array): unknown;
  size(): number;
  save(path: string): void;
  load(path: string): void;
}
interface UsearchModule {
  Index: new (config: {
    metric: 'cos' | 'ip';
    dimensions: number;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
  }) => UsearchIndex;
}

// usearch's ESM entry recurses in getBuildDir on load; its CommonJS entry loads the same prebuilt addon fine.
const usearch = createRequire(import.meta.url)('usearch') as UsearchModule;

/** Sidecar written next to the index file: which SQLite generation the index reflects. */
interface AnnSidecar {
  generation: number;
  dimension: number;
}

/**
 * A cosine HNSW index (usearch) over normalised vectors, keyed by SQLite point pk.
 * Parameters (M=16, efConstruction=32, efSearch=512) measured on 30k random 64-d vectors: recall@10 ≈ 0.99
 * with the adapter's over-fetch, build ≈ 3 s on 2 cores; a larger efConstruction made builds 3-5x slower.
 */
export class AnnIndex {
  private readonly index: UsearchIndex;
  /** SQLite write generation this in-memory index reflects. */
  generation: number;
  private dirty = false;

  private constructor(
    readonly dimension: number,
    generation: number,
  ) {
    this.index = new usearch.Index({
      metric: 'ip',
      dimensions: dimension,
      connectivity: 16,
      expansion_add: 32,
      expansion_search: 512,
    });
    this.generation = generation;
  }

  /** Empty index to be filled by `add`. */
  static create(dimension: number, generation: number): AnnIndex {
    const ann = new AnnIndex(dimension, generation);
    ann.dirty = true;
    return ann;
  }

  /** Loads the saved index when its sidecar says it reflects `generation`; otherwise undefined (stale or missing). */
  static loadIfFresh(path: string, dimension: number, generation: number): AnnIndex | undefined {
    if (!existsSync(path) || !existsSync(`${path}.json`)) return undefined;
    const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as AnnSidecar;
    if (sidecar.generation !== generation || sidecar.dimension !== dimension) return undefined;
    const ann = new AnnIndex(dimension, generation);
    ann.index.load(path);
    return ann;
  }

  add(pks: readonly number[], vectors: Float32Array): void {
    if (pks.length === 0) return;
    this.index.add(
      BigUint64Array.from(pks, (pk) => BigInt(pk)),
      vectors,
    );
    this.dirty = true;
  }

  remove(pks: readonly number[]): void {
    if (pks.length === 0) return;
    this.index.remove(BigUint64Array.from(pks, (pk) => BigInt(pk)));
    this.dirty = true;
  }

  size(): number {
    return this.index.size();
  }

  /** Approximate nearest pks with inner-product similarity (vectors are normalised). */
  search(query: Float32Array, k: number): { pk: number; score: number }[] {
    const n = Math.min(k, this.index.size());
    if (n === 0) return [];
    const result = this.index.search(query, n, 0);
    const hits: { pk: number; score: number }[] = [];
    result.keys.forEach((key, i) => hits.push({ pk: Number(key), score: 1 - (result.distances[i] ?? 1) }));
    return hits;
  }

  /** Writes index then sidecar (atomically renamed) so a crash leaves the pair stale, never wrong. */
  save(path: string): void {
    if (!this.dirty) return;
    this.index.save(path);
    writeFileSync(
      `${path}.json.tmp`,
      JSON.stringify({ generation: this.generation, dimension: this.dimension } satisfies AnnSidecar),
    );
    renameSync(`${path}.json.tmp`, `${path}.json`);
    this.dirty = false;
  }
}
