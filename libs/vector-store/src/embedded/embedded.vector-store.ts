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
import { SqlitePointsRepository } from './sqlite-points.repository.js';
import type { SqlFragment } from './sqlite-where.js';
import { pointsWhere } from './sqlite-where.js';

/** Options of the embedded (single-process, on-disk) vector store. */
export interface EmbeddedVectorStoreOptions {
  /** Directory holding the SQLite DB and the ANN index files; created if missing. */
  directory: string;
  /** Filtered candidate sets at least this large use the HNSW index; smaller ones are searched exactly. Default 20000. */
  annThreshold?: number;
}

/** Which dense path searches took (for tests and metrics). */
export interface EmbeddedSearchStats {
  /** Dense searches answered by brute force. */
  exact: number;
  /** Dense searches answered by the HNSW index. */
  ann: number;
  /** ANN searches where too few candidates survived the filter, answered exactly instead. */
  annFallbacks: number;
  /** HNSW indexes loaded from disk / rebuilt from SQLite. */
  annLoads: number;
  annRebuilds: number;
}

type Ranked = { pk: number; score: number }[];

/**
 * Embedded vector store: node:sqlite for points, payloads and the keyword inverted index; dense vectors as blobs,
 * searched exactly for small candidate sets and through a usearch HNSW index (saved beside the DB) for large ones.
 */
/** Distinct filters whose point counts are remembered. */
const COUNT_CACHE_ENTRIES = 1_024;

export class EmbeddedVectorStore implements VectorStore {
  private readonly searches = { exact: 0, ann: 0, annFallbacks: 0 };
  private readonly counts = new Map<string, { generation: number; count: number }>();
  private readonly repo: SqlitePointsRepository;
  private readonly annThreshold: number;
  private readonly ann: AnnRegistry;

  constructor(options: EmbeddedVectorStoreOptions) {
    mkdirSync(options.directory, { recursive: true });
    this.repo = new SqlitePointsRepository(join(options.directory, 'vectors.sqlite'));
    this.annThreshold = options.annThreshold ?? 20_000;
    this.ann = new AnnRegistry(options.directory, this.repo);
  }

  /** Which dense paths searches took and how ANN indexes were obtained (tests, metrics). */
  get stats(): EmbeddedSearchStats {
    return { ...this.searches, annLoads: this.ann.counters.loaded, annRebuilds: this.ann.counters.rebuilt };
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
      this.repo.deletePks(removedPks);
      const addedPks = latest.map((point, i) =>
        this.repo.insert(model, point, normalized[i] ?? new Float32Array(dimension)),
      );
      return { removed: removedPks, added: addedPks };
    });
    const index = this.ann.live(model);
    if (index) {
      index.remove(removed);
      const matrix = new Float32Array(added.length * dimension);
      normalized.forEach((v, i) => matrix.set(v, i * dimension));
      index.add(added, matrix);
    }
    this.afterWrite(model);
  }

  async deleteDocument(model: string, tenant: string, documentId: string): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    requireText(documentId, 'documentId');
    this.deletePks(
      model,
      this.repo.transaction(() => {
        const pks = this.repo.pksByDocument(model, tenant, documentId);
        this.repo.deletePks(pks);
        return pks;
      }),
    );
  }

  async deleteChunks(model: string, tenant: string, chunkIds: readonly string[]): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    this.deletePks(
      model,
      this.repo.transaction(() => {
        const pks = this.repo.pksByIds(model, tenant, chunkIds);
        this.repo.deletePks(pks);
        return pks;
      }),
    );
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
    this.deletePks(
      model,
      this.repo.transaction(() => {
        const keep = new Set(this.repo.pksByIds(model, tenant, keepChunkIds));
        const pks = this.repo.pksByDocument(model, tenant, documentId).filter((pk) => !keep.has(pk));
        this.repo.deletePks(pks);
        return pks;
      }),
    );
  }

  async search(model: string, request: SearchRequest): Promise<ScoredPoint[]> {
    const dimension = this.dimension(model);
    validateSearch(request, dimension);
    const where = pointsWhere(model, request.tenant, request.collections, request.filter);
    const limit = prefetchLimit(request.topK);
    let ranked: Ranked;
    if (request.mode === 'dense')
      ranked = this.denseSearch(model, where, normalize(request.vector ?? []), request.topK);
    else if (request.mode === 'keyword') ranked = this.keywordSearch(model, request, where, request.topK);
    else {
      const dense = this.denseSearch(model, where, normalize(request.vector ?? []), limit);
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

  private deletePks(model: string, pks: number[]): void {
    this.ann.live(model)?.remove(pks);
    this.afterWrite(model);
  }

  /** Bumps the SQLite generation; an in-memory index updated in step follows it, so it stays fresh. */
  private afterWrite(model: string): void {
    this.ann.afterWrite(model, this.repo.bumpGeneration(model));
  }

  /**
   * Points matching `where`, remembered per write generation: the count picks exact vs ANN search
   * and sizes the over-fetch, and a COUNT(*) per query grows with the store.
   */
  private candidates(model: string, where: SqlFragment): number {
    const generation = this.repo.model(model)?.generation ?? 0;
    const key = `${model}\u0000${where.sql}\u0000${JSON.stringify(where.params)}`;
    const cached = this.counts.get(key);
    if (cached && cached.generation === generation) return cached.count;
    const count = this.repo.count(where);
    if (this.counts.size >= COUNT_CACHE_ENTRIES) this.counts.clear();
    this.counts.set(key, { generation, count });
    return count;
  }

  private denseSearch(model: string, where: SqlFragment, query: Float32Array, limit: number): Ranked {
    const candidates = this.candidates(model, where);
    if (candidates >= this.annThreshold) {
      const index = this.ann.acquire(model);
      // Over-fetch in proportion to how selective the filter is, then post-filter in SQL.
      const fetch = Math.min(
        index.size(),
        Math.ceil((limit * 2 * index.size()) / Math.max(candidates, 1)) + 64,
      );
      const raw = index.search(query, fetch);
      const allowed = this.repo.filterPks(
        raw.map((h) => h.pk),
        where,
      );
      const survivors = raw.filter((h) => allowed.has(h.pk));
      if (survivors.length >= Math.min(limit, candidates)) {
        this.searches.ann++;
        return survivors.slice(0, limit);
      }
      this.searches.annFallbacks++;
    }
    this.searches.exact++;
    return exactTopK(this.repo.denseVectors(where), query, limit);
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

function exactTopK(
  vectors: Iterable<{ pk: number; dense: Float32Array }>,
  query: Float32Array,
  limit: number,
): Ranked {
  const all: Ranked = [];
  for (const { pk, dense } of vectors) {
    let dot = 0;
    for (let i = 0; i < query.length; i++) dot += (query[i] ?? 0) * (dense[i] ?? 0);
    all.push({ pk, score: dot });
  }
  return all.sort((a, b) => b.score - a.score || a.pk - b.pk).slice(0, limit);
}
