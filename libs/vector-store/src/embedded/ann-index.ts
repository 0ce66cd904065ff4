import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    metric: 'ip';
    dimensions: number;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    quantization: 'f32' | 'f16';
  }) => UsearchIndex;
}

// usearch's ESM entry recurses in getBuildDir on load; its CommonJS entry loads the same prebuilt addon fine.
const usearch = createRequire(import.meta.url)('usearch') as UsearchModule;

/** HNSW parameters of the embedded store's indexes. */
export interface HnswParams {
  /** Graph degree M (default 32). */
  readonly connectivity: number;
  /** Candidate list size while inserting, efConstruction (default 128). */
  readonly expansionAdd: number;
  /** Candidate list size while searching, efSearch (default 192). */
  readonly expansionSearch: number;
  /** How the index stores vectors (default f16; SQLite keeps them in f32 and scores are exact). */
  readonly quantization: 'f32' | 'f16';
}

/**
 * Measured on clustered 384-d vectors (the retrieval benchmark's generator, recall@10 vs exact), whose
 * near neighbours get harder to tell apart as the set grows. M=16, efConstruction=128: 0.99 at 100k and
 * 0.92 / 0.97 / 0.98 at 300k with efSearch 128 / 192 / 256, but only 0.75 / 0.89 / 0.92 at 1M with
 * efSearch 128 / 256 / 512. M=32, efConstruction=128 at 1M: 0.94 / 0.98 / 0.99 with efSearch 128 / 256 /
 * 512, at about twice the build time. f16 halves the memory at the same recall; int8 capped it at 0.87.
 */
export const DEFAULT_HNSW: HnswParams = {
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 192,
  quantization: 'f16',
};

/** Sidecar written next to an index file: what the index reflects. */
interface AnnSidecar {
  storeId: string;
  dimension: number;
  connectivity: number;
  expansionAdd: number;
  quantization: string;
  /** Highest point pk added (pks only grow: newer points have higher pks). */
  maxPk: number;
  /** Last removal-log sequence number applied. */
  removedSeq: number;
}

/**
 * A cosine HNSW index (usearch) over normalised vectors, keyed by SQLite point pk, with the watermarks
 * (`maxPk`, `removedSeq`) that tell which writes it reflects, so a saved copy can catch up from SQLite.
 */
export class AnnIndex {
  private readonly index: UsearchIndex;
  maxPk = 0;
  removedSeq = 0;
  /** Points added or removed since the last save. */
  unsaved = 0;

  constructor(
    readonly dimension: number,
    private readonly params: HnswParams,
  ) {
    this.index = new usearch.Index({
      metric: 'ip',
      dimensions: dimension,
      connectivity: params.connectivity,
      expansion_add: params.expansionAdd,
      expansion_search: params.expansionSearch,
      quantization: params.quantization,
    });
  }

  /**
   * Loads a saved index built for this DB with these parameters; undefined when there is none or it
   * does not match (then the caller rebuilds it from SQLite).
   */
  static load(path: string, storeId: string, dimension: number, params: HnswParams): AnnIndex | undefined {
    if (!existsSync(path) || !existsSync(`${path}.json`)) return undefined;
    const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Partial<AnnSidecar>;
    const matches =
      sidecar.storeId === storeId &&
      sidecar.dimension === dimension &&
      sidecar.connectivity === params.connectivity &&
      sidecar.expansionAdd === params.expansionAdd &&
      sidecar.quantization === params.quantization;
    if (!matches) return undefined;
    const ann = new AnnIndex(dimension, params);
    ann.index.load(path);
    ann.maxPk = sidecar.maxPk ?? 0;
    ann.removedSeq = sidecar.removedSeq ?? 0;
    return ann;
  }

  /** Adds vectors (row-major, `dimension` floats each) under their pks. */
  add(pks: readonly number[], vectors: Float32Array): void {
    if (pks.length === 0) return;
    this.index.add(
      BigUint64Array.from(pks, (pk) => BigInt(pk)),
      vectors,
    );
    for (const pk of pks) if (pk > this.maxPk) this.maxPk = pk;
    this.unsaved += pks.length;
  }

  /** Removes pks (absent ones are ignored); `seq` is the removal log position this reflects. */
  remove(pks: readonly number[], seq: number): void {
    if (pks.length > 0) {
      this.index.remove(BigUint64Array.from(pks, (pk) => BigInt(pk)));
      this.unsaved += pks.length;
    }
    if (seq > this.removedSeq) this.removedSeq = seq;
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

  /** Writes the index, then its sidecar (atomically renamed): a crash leaves an older pair, never a wrong one. */
  save(path: string, storeId: string): void {
    rmSync(`${path}.json`, { force: true });
    this.index.save(path);
    const sidecar: AnnSidecar = {
      storeId,
      dimension: this.dimension,
      connectivity: this.params.connectivity,
      expansionAdd: this.params.expansionAdd,
      quantization: this.params.quantization,
      maxPk: this.maxPk,
      removedSeq: this.removedSeq,
    };
    writeFileSync(`${path}.json.tmp`, JSON.stringify(sidecar));
    renameSync(`${path}.json.tmp`, `${path}.json`);
    this.unsaved = 0;
  }
}
