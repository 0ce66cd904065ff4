import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ChunkPoint,
  CollectionSpec,
  CountRequest,
  ScoredPoint,
  SearchRequest,
  VectorStore,
  VectorStoreHealth,
} from '../vector-store.port.js';
import { VectorStoreError } from '../vector-store.port.js';
import {
  finalizeHits,
  normalize,
  prefetchLimit,
  reciprocalRankFusion,
  requireText,
  validatePointVectors,
  validateSearch,
} from '../search-support.js';
import { AnnRegistry } from './ann-registry.js';
import { DEFAULT_HNSW, type AnnIndex, type HnswParams } from './ann-index.js';
import { EmbeddedDenseSearch, type Ranked } from './embedded-dense-search.js';
import type { PointSet } from './sqlite-point-sets.js';
import { SqlitePointsRepository, type RemovedPoint } from './sqlite-points.repository.js';
import type { SqlFragment } from './sqlite-where.js';
import { pointsWhere } from './sqlite-where.js';

/** Options of the embedded (single-process, on-disk) vector store. */
export interface EmbeddedVectorStoreOptions {
  /** Directory holding the SQLite DB and the ANN index files; created if missing. */
  directory: string;
  /** Filtered candidate sets at least this large use the HNSW index; smaller ones are searched exactly. Default 20000. */
  annThreshold?: number;
  /** HNSW parameters (defaults: `DEFAULT_HNSW`); indexes saved with another M, efConstruction or precision are rebuilt. */
  hnsw?: Partial<HnswParams>;
}

/** Which dense paths searches took (for tests and metrics). */
export interface EmbeddedSearchStats {
  /** Dense searches answered by brute force. */
  exact: number;
  /** Dense searches answered by the HNSW index. */
  ann: number;
  /** ANN searches where too few candidates survived the filter, answered exactly instead. */
  annFallbacks: number;
  /** HNSW indexes (one per model, tenant and collection) loaded from disk / rebuilt from SQLite. */
  annLoads: number;
  annRebuilds: number;
  /** Loaded indexes that had missed writes (a crash before their save) and caught up from SQLite. */
  annCatchUps: number;
}

/**
 * Embedded vector store: node:sqlite for points, payloads and the keyword inverted index; dense vectors as
 * blobs, searched exactly for small candidate sets and through usearch HNSW indexes, one per (model,
 * tenant, collection), kept in step with every write and saved beside the DB, for large ones.
 */
export class EmbeddedVectorStore implements VectorStore {
  private readonly repo: SqlitePointsRepository;
  private readonly ann: AnnRegistry;
  private readonly dense: EmbeddedDenseSearch;

  constructor(options: EmbeddedVectorStoreOptions) {
    mkdirSync(options.directory, { recursive: true });
    this.repo = new SqlitePointsRepository(join(options.directory, 'vectors.sqlite'));
    this.ann = new AnnRegistry(options.directory, this.repo, { ...DEFAULT_HNSW, ...options.hnsw });
    this.dense = new EmbeddedDenseSearch(this.repo, this.ann, options.annThreshold ?? 20_000);
  }

  /** Which dense paths searches took and how ANN indexes were obtained (tests, metrics). */
  get stats(): EmbeddedSearchStats {
    const { loaded, rebuilt, caughtUp } = this.ann.counters;
    return { ...this.dense.stats, annLoads: loaded, annRebuilds: rebuilt, annCatchUps: caughtUp };
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    requireText(spec.model, 'model');
    if (!Number.isInteger(spec.dimension) || spec.dimension < 1)
      throw new VectorStoreError('dimension must be a positive integer');
    const existing = this.repo.model(spec.model);
    if (!existing) this.repo.createModel(spec.model, spec.dimension);
    else if (existing.dimension !== spec.dimension) {
      throw new VectorStoreError(
        `model ${spec.model} exists with dimension ${existing.dimension}, not ${spec.dimension}`,
      );
    }
  }

  async upsert(model: string, points: readonly ChunkPoint[]): Promise<void> {
    const dimension = this.dimension(model);
    for (const point of points) {
      requireText(point.tenant, 'tenant');
      requireText(point.id, 'id');
      validatePointVectors(point.id, point.dense, point.sparse, dimension);
    }
    // Last write wins for an id repeated within one batch.
    const latest = [...new Map(points.map((p) => [`${p.tenant}\u0000${p.id}`, p])).values()];
    const normalized = latest.map((p) => normalize(p.dense));
    // The sets' indexes as they are before the write (a set's first write starts its index empty).
    const indexes = this.indexesOf(model, dimension, latest);
    const { removed, added } = this.repo.transaction(() => {
      const removedPks: number[] = [];
      for (const tenant of new Set(latest.map((p) => p.tenant))) {
        removedPks.push(
          ...this.repo.pksByIds(
            model,
            tenant,
            latest.filter((p) => p.tenant === tenant).map((p) => p.id),
          ),
        );
      }
      return {
        removed: this.repo.deletePoints(removedPks),
        added: this.repo.insertAll(model, latest, normalized),
      };
    });
    this.unindex(removed);
    for (const { set, index, rows } of indexes) {
      const matrix = new Float32Array(rows.length * dimension);
      rows.forEach((row, i) => matrix.set(normalized[row] as Float32Array, i * dimension));
      index.add(
        rows.map((row) => added[row] as number),
        matrix,
      );
      this.ann.afterWrite(set);
    }
    this.afterWrite(model);
  }

  async deleteDocument(model: string, tenant: string, documentId: string): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    requireText(documentId, 'documentId');
    this.unindex(
      this.repo.transaction(() => this.repo.deletePoints(this.repo.pksByDocument(model, tenant, documentId))),
    );
    this.afterWrite(model);
  }

  async deleteChunks(model: string, tenant: string, chunkIds: readonly string[]): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    this.unindex(
      this.repo.transaction(() => this.repo.deletePoints(this.repo.pksByIds(model, tenant, chunkIds))),
    );
    this.afterWrite(model);
  }

  async deleteDocumentExcept(
    model: string,
    tenant: string,
    documentId: string,
    keepChunkIds: readonly string[],
  ): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    requireText(documentId, 'documentId');
    this.unindex(
      this.repo.transaction(() => {
        const keep = new Set(this.repo.pksByIds(model, tenant, keepChunkIds));
        return this.repo.deletePoints(
          this.repo.pksByDocument(model, tenant, documentId).filter((pk) => !keep.has(pk)),
        );
      }),
    );
    this.afterWrite(model);
  }

  async search(model: string, request: SearchRequest): Promise<ScoredPoint[]> {
    const dimension = this.dimension(model);
    validateSearch(request, dimension);
    const where = pointsWhere(model, request.tenant, request.collections, request.filter);
    const limit = prefetchLimit(request.topK);
    let ranked: Ranked;
    const query = request.mode === 'keyword' ? undefined : normalize(request.vector ?? []);
    if (request.mode === 'dense')
      ranked = this.dense.search(model, dimension, request, where, query as Float32Array, request.topK);
    else if (request.mode === 'keyword') ranked = this.keywordSearch(model, request, where, request.topK);
    else {
      const dense = this.dense.search(model, dimension, request, where, query as Float32Array, limit);
      const keyword = this.keywordSearch(model, request, where, limit);
      const fused = reciprocalRankFusion([dense.map((h) => String(h.pk)), keyword.map((h) => String(h.pk))]);
      ranked = [...fused].map(([pk, score]) => ({ pk: Number(pk), score })).sort((a, b) => b.score - a.score);
    }
    const top = ranked.slice(0, request.topK);
    const payloads = this.repo.payloads(top.map((h) => h.pk));
    const hits: ScoredPoint[] = [];
    for (const hit of top) {
      const payload = payloads.get(hit.pk);
      if (payload) hits.push({ ...payload, score: hit.score });
    }
    return finalizeHits(hits, request);
  }

  async count(model: string, request: CountRequest): Promise<number> {
    this.dimension(model);
    requireText(request.tenant, 'tenant');
    const filter =
      request.documentId === undefined
        ? undefined
        : { must: [{ key: 'documentId' as const, equals: request.documentId }] };
    if (filter === undefined) return this.tenantSize(model, request.tenant);
    return this.repo.count(pointsWhere(model, request.tenant, undefined, filter));
  }

  async health(): Promise<VectorStoreHealth> {
    try {
      this.repo.ping();
      return { ok: true, backend: 'embedded' };
    } catch (error) {
      return {
        ok: false,
        backend: 'embedded',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
  }

  async close(): Promise<void> {
    this.ann.saveAll();
    this.repo.close();
  }

  private dimension(model: string): number {
    requireText(model, 'model');
    const spec = this.repo.model(model);
    if (!spec) throw new VectorStoreError(`unknown model ${model}: call ensureCollection first`, 'NOT_FOUND');
    return spec.dimension;
  }

  /** The index of each set the points go to, with the rows going there (indexes are loaded on write, so a bulk load needs no rebuild later). */
  private indexesOf(
    model: string,
    dimension: number,
    points: readonly ChunkPoint[],
  ): { set: PointSet; index: AnnIndex; rows: number[] }[] {
    const bySet = new Map<string, { set: PointSet; index: AnnIndex; rows: number[] }>();
    points.forEach((point, row) => {
      const key = JSON.stringify([point.tenant, point.collection]);
      let entry = bySet.get(key);
      if (!entry) {
        const set = { model, tenant: point.tenant, collection: point.collection };
        entry = { set, index: this.ann.acquire(set, dimension), rows: [] };
        bySet.set(key, entry);
      }
      entry.rows.push(row);
    });
    return [...bySet.values()];
  }

  /** Takes removed points out of the indexes in memory; saved ones replay the removal log when loaded. */
  private unindex(removed: readonly RemovedPoint[]): void {
    const bySet = new Map<string, { set: PointSet; pks: number[]; seq: number }>();
    for (const { pk, set, seq } of removed) {
      const key = JSON.stringify([set.model, set.tenant, set.collection]);
      const entry = bySet.get(key) ?? { set, pks: [], seq: 0 };
      entry.pks.push(pk);
      entry.seq = Math.max(entry.seq, seq);
      bySet.set(key, entry);
    }
    for (const { set, pks, seq } of bySet.values()) {
      const index = this.ann.live(set);
      if (!index || seq <= index.removedSeq) continue;
      index.remove(pks, seq);
      this.ann.afterWrite(set);
    }
  }

  /** Bumps the model's write generation (the key of remembered filtered counts). */
  private afterWrite(model: string): void {
    this.repo.bumpGeneration(model);
  }

  private tenantSize(model: string, tenant: string): number {
    let n = 0;
    for (const count of this.repo.sets.collections(model, tenant).values()) n += count;
    return n;
  }

  private keywordSearch(model: string, request: SearchRequest, where: SqlFragment, limit: number): Ranked {
    const sparse = request.sparse ?? { indices: [], values: [] };
    if (sparse.indices.length === 0) return [];
    const queryWeight = new Map(sparse.indices.map((term, i) => [term, sparse.values[i] ?? 0]));
    const { n, df } = this.repo.termStats(model, request.tenant, sparse.indices);
    const scores = new Map<number, number>();
    for (const posting of this.repo.postings(model, request.tenant, sparse.indices, where)) {
      const d = df.get(posting.term) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      scores.set(
        posting.pk,
        (scores.get(posting.pk) ?? 0) + idf * posting.weight * (queryWeight.get(posting.term) ?? 0),
      );
    }
    return [...scores]
      .map(([pk, score]) => ({ pk, score }))
      .sort((a, b) => b.score - a.score || a.pk - b.pk)
      .slice(0, limit);
  }
}
